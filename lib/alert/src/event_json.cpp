// The outbox payload of an event: JSON, so that the exec hook gets the same document.
#include "danemon/alert/alert.hpp"
#include "danemon/text/text.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace danemon::alert {
namespace {

// nlohmann::json refuses invalid UTF-8; messages carry names from DNS and certificates.
using text::printable;

EventKind kind_of(const std::string& text) {
    for (auto k :
         {EventKind::new_problem, EventKind::worse, EventKind::reminder, EventKind::recovered})
        if (text == to_string(k)) return k;
    throw std::runtime_error("unknown alert event kind '" + text + "'");
}

} // namespace

std::string to_json(const AlertEvent& e) {
    nlohmann::json doc = {{"event", to_string(e.kind)},
                          {"domain", printable(e.key.domain)},
                          {"mx", printable(e.key.mx)},
                          {"address", printable(e.key.address)},
                          {"code", e.key.code},
                          {"severity", check::to_string(e.severity)},
                          {"message", printable(e.message)},
                          {"at", e.at}};
    return doc.dump();
}

AlertEvent from_json(const std::string& payload) {
    try {
        auto doc = nlohmann::json::parse(payload);
        AlertEvent e;
        e.kind = kind_of(doc.at("event").get<std::string>());
        e.key = {doc.at("domain").get<std::string>(), doc.at("mx").get<std::string>(),
                 doc.at("address").get<std::string>(), doc.at("code").get<std::string>()};
        const auto severity = check::severity_from_string(doc.at("severity").get<std::string>());
        if (!severity) throw std::runtime_error("unreadable alert in the outbox: no severity");
        e.severity = *severity;
        e.message = doc.at("message").get<std::string>();
        e.at = doc.at("at").get<std::time_t>();
        return e;
    } catch (const nlohmann::json::exception& ex) {
        throw std::runtime_error(std::string("unreadable alert in the outbox: ") + ex.what());
    }
}

} // namespace danemon::alert
