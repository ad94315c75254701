// The pure core: facts in, verdict out. No sockets, no clock, no logging; the time is an
// input, so that what the tests check is exactly what runs.
#pragma once

#include "danemon/check/problem.hpp"
#include "danemon/check/verdict.hpp"
#include "danemon/dane/certificate.hpp"
#include "danemon/dane/verify.hpp"
#include "danemon/facts/facts.hpp"

#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace danemon::check {

struct Policy {
    int expiry_warning_days = 21; // cert-expiring below this many days
    // The severity policy: code -> the level a site gives it (info, warning, critical, off),
    // applied to every occurrence after the rules have judged.
    std::map<Code, Severity> severity;
};

// The certificate work of evaluate() (chain summaries, OpenSSL's DANE verification) kept by
// its exact inputs, so that the thousand domains of a hosting provider that share five MX
// hosts pay for it five times, not a thousand. Results are the same with or without it.
// Safe for concurrent callers; two threads may compute the same entry once each.
class EvaluationCache {
public:
    std::optional<dane::CertificateSummary> summarize(const dane::ServedChain& chain,
                                                      std::size_t depth);
    dane::DaneVerdict verify(const dane::DaneInput& input);

private:
    std::mutex mutex_; // guards both maps; the work itself runs unlocked
    // key: the DER (a string: looked up through a string_view of it, copied only to insert)
    std::map<std::string, std::optional<dane::CertificateSummary>, std::less<>> summaries_;
    std::map<std::string, dane::DaneVerdict> verdicts_; // key: every field of the input
};

// `cache` may be null (no reuse).
DomainVerdict evaluate(const facts::DomainFacts& facts, const Policy& policy, std::time_t now,
                       EvaluationCache* cache = nullptr);

} // namespace danemon::check
