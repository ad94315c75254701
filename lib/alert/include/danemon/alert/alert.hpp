// Alerts: which changes of state to announce (a pure decision over the stored alert states
// and the new verdicts), how an event is written for each channel, and the channels
// themselves behind one small interface.
#pragma once

#include "danemon/check/verdict.hpp"
#include "danemon/config/config.hpp"
#include "danemon/expected/expected.hpp"
#include "danemon/store/store.hpp"

#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace danemon::alert {

enum class EventKind { new_problem, worse, reminder, recovered };
const char* to_string(EventKind kind); // "new", "worse", "reminder", "recovered"

struct AlertEvent {
    EventKind kind = EventKind::new_problem;
    store::AlertKey key;
    check::Severity severity = check::Severity::warning; // for recovered: the one it had
    std::string message;                                 // the problem's sentence, with its fix
    std::time_t at = 0;
};

struct Decision {
    std::vector<AlertEvent> events;
    std::vector<store::AlertState> states; // the new states of the verdicts' domains
    // Domains with problems waiting for their confirming re-check, and when it is due.
    std::map<std::string, std::time_t> confirm_at;
};

// Announce a problem when it appears, when its severity rises, again every `reminder` while
// it persists, and once when it is gone; never once per cycle. Info problems are not
// announced. A problem is gone only when the verdict observed its place to the end (see
// DomainVerdict::complete and its MX and endpoint counterparts): one that could not be
// observed this time (the lookup failed, the address was unreachable) keeps its state, and
// no event is sent for it. States of domains that are not in `verdicts` are left out.
// Problems that can be passing faults (check::CodeInfo::transient: a lookup that timed out, a
// refused connection) are announced only when they are still there `confirm` after they were
// first seen: until then their state is pending, with no event, and confirm_at asks for the
// re-check; one gone by then is dropped without a word. Zero: announced at once, as others.
// Info problems and those the policy turned off are not announced.
Decision decide(const std::vector<store::AlertState>& previous,
                const std::vector<check::DomainVerdict>& verdicts, std::time_t now,
                std::chrono::seconds reminder,
                std::chrono::seconds confirm = std::chrono::seconds(0));

// Marks the problems of `verdicts` whose state in `decision` is pending (Problem::pending),
// so that status and metrics show them as such.
void mark_pending(std::vector<check::DomainVerdict>& verdicts, const Decision& decision);

// The outbox payload (JSON) of an event, and back. from_json throws std::runtime_error.
std::string to_json(const AlertEvent& event);
AlertEvent from_json(const std::string& payload);

struct MailHeaders {
    std::string from;
    std::vector<std::string> to;
    std::string host_name; // for Message-ID
};
// An RFC 5322 message: Subject "[danemon] CRITICAL stale.test: tlsa-mismatch", Auto-Submitted:
// auto-generated, Date, Message-ID. Header values from DNS or certificates cannot inject
// headers: control characters are removed and the values folded; body lines stay under 998.
// The Message-ID is derived from the event (its kind, key, severity and time), so that a
// resent copy of one alert carries the same one and mail clients show it once.
std::string compose_mail(const AlertEvent& event, const MailHeaders& headers);

// Called once by a channel as soon as it has taken an event, before any slow teardown (the
// mail server's reply to QUIT): the moment the outbox records it as sent.
using Taken = std::function<void()>;

// One channel. deliver succeeds when the channel took the event (having called taken, or
// leaving it to the caller), else says why in one phrase.
class AlertSink {
public:
    virtual ~AlertSink() = default;
    virtual std::string channel() const = 0; // "syslog", "email", "exec"
    virtual Expected<void> deliver(const AlertEvent& event, const Taken& taken) = 0;
};

// journald with fields DOMAIN, MX, ADDRESS, CODE, SEVERITY, EVENT when it runs, else
// syslog(3) with the same text as one line.
std::unique_ptr<AlertSink> make_syslog_sink(const std::string& identity,
                                            const std::string& facility);
struct EmailOptions {
    MailHeaders headers;
    std::string server = "127.0.0.1";
    std::uint16_t port = 25;
    check::Severity min_severity = check::Severity::warning; // events below: taken, dropped
};
std::unique_ptr<AlertSink> make_email_sink(const EmailOptions& options);
// Runs argv (no shell) with the event as JSON on stdin; killed after timeout. Exit 0 = taken.
std::unique_ptr<AlertSink> make_exec_sink(const std::vector<std::string>& argv,
                                          std::chrono::seconds timeout);

// The channels a configuration enables (alerts.syslog, alerts.email, alerts.exec). The
// email sender defaults to danemon@HOST_NAME, which also names the mail's Message-ID.
std::vector<std::unique_ptr<AlertSink>> make_sinks(const config::Config& config,
                                                   const std::string& host_name);

struct DeliveryFailure {
    std::string channel;
    std::string error;
};
struct DeliveryReport {
    std::size_t delivered = 0;
    std::vector<DeliveryFailure> failures; // one per failed attempt
};

// Delivers every due outbox entry of each sink's channel. Before an attempt the entry is
// marked as being delivered (so that an interrupted one says so); it is removed as soon as
// the channel has taken it. A failure is retried later with exponential backoff (1 min
// doubling to 1 h). Throws store::StoreError when the store cannot be read or written.
DeliveryReport deliver_outbox(store::Store& store, const std::vector<AlertSink*>& sinks,
                              std::time_t now);

} // namespace danemon::alert
