// What the JSON reports share, internal to lib/report: problems as JSON, their strings from
// the network made printable first (nlohmann::json throws on invalid UTF-8).
#pragma once

#include "danemon/check/problem.hpp"
#include "danemon/text/text.hpp"

#include <nlohmann/json.hpp>
#include <vector>

namespace danemon::report::detail {

inline nlohmann::json problems_json(const std::vector<check::Problem>& problems) {
    using text::printable;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : problems) {
        nlohmann::json item = {{"code", check::to_string(p.code)},
                               {"severity", check::to_string(p.severity)},
                               {"message", printable(p.message)},
                               {"mx", printable(p.mx)},
                               {"address", printable(p.address)}};
        if (p.default_severity) item["default_severity"] = check::to_string(*p.default_severity);
        if (p.pending) item["pending"] = true;
        list.push_back(std::move(item));
    }
    return list;
}

} // namespace danemon::report::detail
