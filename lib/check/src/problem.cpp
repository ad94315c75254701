// Severity and status names, exit codes, and the flattened problem list of a verdict.
#include "danemon/check/problem.hpp"

#include "danemon/check/verdict.hpp"

namespace danemon::check {

const char* to_string(Severity severity) {
    switch (severity) {
    case Severity::info:
        return "info";
    case Severity::warning:
        return "warning";
    case Severity::critical:
        return "critical";
    case Severity::off:
        return "off";
    }
    return "critical";
}

std::optional<Severity> severity_from_string(std::string_view name) {
    for (const Severity s : {Severity::info, Severity::warning, Severity::critical, Severity::off})
        if (name == to_string(s)) return s;
    return std::nullopt;
}

std::optional<Status> status_from_string(std::string_view name) {
    for (const Status s : {Status::ok, Status::warning, Status::critical, Status::unknown})
        if (name == to_string(s)) return s;
    return std::nullopt;
}

const char* to_string(Status status) {
    switch (status) {
    case Status::ok:
        return "ok";
    case Status::warning:
        return "warning";
    case Status::critical:
        return "critical";
    case Status::unknown:
        return "unknown";
    }
    return "unknown";
}

int exit_code(Status status) {
    switch (status) {
    case Status::ok:
        return 0;
    case Status::warning:
        return 1;
    case Status::critical:
        return 2;
    case Status::unknown:
        return 3;
    }
    return 3;
}

Status worse(Status a, Status b) {
    // A known critical problem outranks an incomplete check: the domain is critical, whatever
    // else could not be checked; unknown outranks warning.
    auto rank = [](Status s) {
        switch (s) {
        case Status::ok:
            return 0;
        case Status::warning:
            return 1;
        case Status::unknown:
            return 2;
        case Status::critical:
            return 3;
        }
        return 3;
    };
    return rank(a) >= rank(b) ? a : b;
}

const char* to_string(DaneState state) {
    switch (state) {
    case DaneState::pass:
        return "pass";
    case DaneState::fail:
        return "fail";
    case DaneState::not_applicable:
        return "not-applicable";
    }
    return "not-applicable";
}

Status status_of(const Problem& problem) {
    if (problem.severity == Severity::off) return Status::ok;
    if (problem.code == Code::check_incomplete) return Status::unknown;
    switch (problem.severity) {
    case Severity::critical:
        return Status::critical;
    case Severity::warning:
        return Status::warning;
    default:
        return Status::ok;
    }
}

std::vector<Problem> DomainVerdict::all_problems() const {
    std::vector<Problem> all = problems;
    for (const auto& host : mx) {
        all.insert(all.end(), host.problems.begin(), host.problems.end());
        for (const auto& endpoint : host.endpoints)
            all.insert(all.end(), endpoint.problems.begin(), endpoint.problems.end());
    }
    return all;
}

} // namespace danemon::check
