// The syslog channel: journald with structured fields when the journal runs, else one
// syslog(3) line per event. Both carry the same sentence.
#include "danemon/alert/alert.hpp"

#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

namespace danemon::alert {
namespace {

std::string one_line(const std::string& text) {
    std::string out;
    for (char c : text)
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    return out;
}

int facility_of(const std::string& name) {
    if (name == "daemon") return LOG_DAEMON;
    if (name.rfind("local", 0) == 0 && name.size() == 6 && name[5] >= '0' && name[5] <= '7')
        return LOG_LOCAL0 + ((name[5] - '0') << 3);
    return LOG_MAIL;
}

class SyslogSink final : public AlertSink {
public:
    SyslogSink(std::string identity, const std::string& facility)
        : identity_(std::move(identity))
        , facility_(facility_of(facility))
        , journal_(access("/run/systemd/journal/socket", W_OK) == 0) {}

    std::string channel() const override { return "syslog"; }

    Expected<void> deliver(const AlertEvent& e, const Taken&) override {
        int priority = e.kind == EventKind::recovered            ? LOG_NOTICE
                       : e.severity == check::Severity::critical ? LOG_CRIT
                                                                 : LOG_WARNING;
        std::string text =
            one_line("alert event=" + std::string(to_string(e.kind)) + " domain=" + e.key.domain +
                     " mx=" + e.key.mx + " addr=" + e.key.address + " code=" + e.key.code +
                     " severity=" + check::to_string(e.severity) + ": " + e.message);
        if (journal_) {
            int rc = sd_journal_send("MESSAGE=%s", text.c_str(), "PRIORITY=%d", priority,
                                     "SYSLOG_IDENTIFIER=%s", identity_.c_str(),
                                     "SYSLOG_FACILITY=%d", facility_ >> 3, "DANEMON_EVENT=%s",
                                     to_string(e.kind), "DOMAIN=%s", one_line(e.key.domain).c_str(),
                                     "MX=%s", one_line(e.key.mx).c_str(), "ADDRESS=%s",
                                     one_line(e.key.address).c_str(), "CODE=%s", e.key.code.c_str(),
                                     "SEVERITY=%s", check::to_string(e.severity), nullptr);
            if (rc >= 0) return {};
        }
        openlog(identity_.c_str(), LOG_PID | LOG_NDELAY, facility_);
        syslog(priority, "%s", text.c_str());
        return {};
    }

private:
    std::string identity_;
    int facility_;
    bool journal_;
};

} // namespace

std::unique_ptr<AlertSink> make_syslog_sink(const std::string& identity,
                                            const std::string& facility) {
    return std::make_unique<SyslogSink>(identity, facility);
}

} // namespace danemon::alert
