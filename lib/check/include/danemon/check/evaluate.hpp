// The pure core: facts in, verdict out. No sockets, no clock, no logging; the time is an
// input, so that what the tests check is exactly what runs (dane-rules.md).
#pragma once

#include "danemon/check/facts.hpp"
#include "danemon/check/verdict.hpp"

#include <ctime>

namespace danemon::check {

DomainVerdict evaluate(const DomainFacts& facts, const Policy& policy, std::time_t now);

} // namespace danemon::check
