// The one table of problem codes: each code's usual severity, whether it can be a passing
// fault, what it means and what to do. Reports, the severity policy, the daemon's
// confirmation rule and the README's code table (danemon codes --markdown) all read it.
#pragma once

#include "danemon/check/problem.hpp"
#include "danemon/expected/expected.hpp"

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace danemon::check {

struct CodeInfo {
    Code code;
    const char* name;               // to_string(code): "tlsa-mismatch"
    Severity severity;              // the usual one; severity_text says when it differs
    std::string_view severity_text; // as the README shows it
    // A failure that can be passing (a lookup that timed out, a refused connection): the
    // daemon alerts only when a second look confirms it. A finding from a completed
    // observation is not transient.
    bool transient;
    std::string_view meaning;
    std::string_view fix;
};

std::span<const CodeInfo> problem_codes(); // in the order of Code
const CodeInfo& info_of(Code code);
// The row of a code's name; null for a name that is no problem code.
const CodeInfo* find_code(std::string_view name);
// The closest known code to a misspelt one, for "did you mean ...?"; empty when none is near.
std::string closest_code(std::string_view code);

// For an unknown code: "did you mean '<nearest code>'?", or where the codes are listed.
std::string unknown_code_hint(std::string_view code);

// "CODE=LEVEL" (danemon check --severity): the code and its level (severity_from_string),
// or the sentence why not.
Expected<std::pair<Code, Severity>> parse_severity_rule(std::string_view text);

// The README's table of codes, in Markdown.
std::string codes_markdown();

// The codes as `danemon codes` lists them: per code its usual severity, when the daemon
// alerts on it, its meaning and its fix.
std::string codes_text();

} // namespace danemon::check
