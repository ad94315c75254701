// ldns for C++: ldns/common.h defines bool/true/false as macros unless stdbool.h came
// first, which breaks the C++ standard library headers included after it.
#pragma once

// clang-format off
#include <stdbool.h>
#include <ldns/ldns.h>
// clang-format on
