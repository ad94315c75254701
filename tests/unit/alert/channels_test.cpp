// The channels as a user sees them: the mail that arrives (headers, no injection), what the
// exec hook receives, and the outbox retrying a failed channel exactly once more.
#include "danemon/alert/alert.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace danemon;
using alert::EventKind;

namespace {

alert::AlertEvent hostile_event() {
    return {
        EventKind::new_problem,
        {"stale.test", "mx.stale.test\r\nBcc: victim@example.org", "127.0.25.8", "tlsa-mismatch"},
        check::Severity::critical,
        "No usable TLSA record matches.\r\nBcc: victim@example.org\r\n.\r\nPublish "
        "_25._tcp.mx.stale.test. IN TLSA 3 1 1 ABCD",
        1795000000};
}

// A one-shot SMTP receiver on 127.0.0.1: accepts one message, bounded to five seconds. It
// answers QUIT after `quit_delay`, as a slow server does.
class SmtpReceiver {
public:
    explicit SmtpReceiver(std::chrono::milliseconds quit_delay = std::chrono::milliseconds(0))
        : quit_delay_(quit_delay) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 1) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~SmtpReceiver() {
        thread_.join();
        ::close(fd_);
    }
    std::uint16_t port() const { return port_; }
    std::string transcript() {
        thread_.join();
        thread_ = std::thread([] {});
        return transcript_;
    }

private:
    void serve() {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 5000) <= 0) return;
        int c = ::accept(fd_, nullptr, nullptr);
        timeval tv{5, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        auto say = [&](const std::string& s) { ::send(c, s.data(), s.size(), MSG_NOSIGNAL); };
        say("220 receiver ESMTP\r\n");
        std::string buffer;
        bool in_data = false;
        char chunk[4096];
        for (;;) {
            auto eol = buffer.find("\r\n");
            if (eol == std::string::npos) {
                ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
                if (n <= 0) break;
                buffer.append(chunk, static_cast<std::size_t>(n));
                continue;
            }
            std::string line = buffer.substr(0, eol);
            buffer.erase(0, eol + 2);
            transcript_ += line + "\n";
            if (in_data) {
                if (line == ".") {
                    in_data = false;
                    say("250 queued\r\n");
                }
            } else if (line.rfind("DATA", 0) == 0) {
                in_data = true;
                say("354 go ahead\r\n");
            } else if (line.rfind("QUIT", 0) == 0) {
                std::this_thread::sleep_for(quit_delay_);
                say("221 bye\r\n");
                break;
            } else {
                say("250 ok\r\n");
            }
        }
        ::close(c);
    }

    std::chrono::milliseconds quit_delay_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::string transcript_;
};

// An in-memory outbox, enough for deliver_outbox.
class MemoryStore : public store::Store {
public:
    std::map<std::int64_t, store::OutboxEntry> entries;
    void record_cycle(const std::vector<check::DomainVerdict>&, std::time_t,
                      const std::vector<store::AlertState>&,
                      const std::vector<store::OutboxEntry>& outbox) override {
        for (auto e : outbox) {
            e.id = next_++;
            entries[e.id] = e;
        }
    }
    void begin_attempt(std::int64_t id) override {
        entries.at(id).last_error = store::interrupted_delivery;
    }
    std::vector<store::OutboxEntry> outbox() override {
        std::vector<store::OutboxEntry> out;
        for (const auto& [id, e] : entries)
            out.push_back(e);
        return out;
    }
    void checkpoint() override {}
    void note_tlsa_seen(const std::string&, const facts::Lookup<dane::TlsaRecord>&,
                        std::time_t) override {}
    std::optional<std::time_t> tlsa_first_seen(const std::string&,
                                               const dane::TlsaRecord&) override {
        return std::nullopt;
    }
    std::vector<check::VerdictSummary> latest() override { return {}; }
    std::vector<store::AlertState> alert_states() override { return {}; }
    std::vector<store::OutboxEntry> due(const std::string& channel, std::time_t now) override {
        std::vector<store::OutboxEntry> out;
        for (const auto& [id, e] : entries)
            if (e.channel == channel && e.next_attempt <= now) out.push_back(e);
        return out;
    }
    void mark_sent(std::int64_t id) override { entries.erase(id); }
    void mark_failed(std::int64_t id, const std::string& error, std::time_t next) override {
        auto& e = entries.at(id);
        ++e.attempts;
        e.last_error = error;
        e.next_attempt = next;
    }
    std::size_t pending() override { return entries.size(); }

private:
    std::int64_t next_ = 1;
};

class FlakySink : public alert::AlertSink {
public:
    bool up = false;
    std::vector<alert::AlertEvent> taken;
    std::string channel() const override { return "email"; }
    Expected<void> deliver(const alert::AlertEvent& e, const alert::Taken&) override {
        if (!up) return Error{"connection refused"};
        taken.push_back(e);
        return {};
    }
};

} // namespace

TEST_CASE("alert mail: headers say what is wrong and cannot be injected") {
    std::string mail = alert::compose_mail(
        hostile_event(),
        {"danemon@mail.example.org", {"postmaster@example.org"}, "mail.example.org"});
    std::string headers = mail.substr(0, mail.find("\r\n\r\n"));
    CHECK_THAT(headers, Catch::Contains("Subject: [danemon] CRITICAL stale.test: tlsa-mismatch "
                                        "mx.stale.test  Bcc: victim@example.org\r\n"));
    CHECK_THAT(headers, Catch::Contains("Auto-Submitted: auto-generated\r\n"));
    CHECK_THAT(headers, Catch::Contains("From: danemon <danemon@mail.example.org>\r\n"));
    CHECK_THAT(headers, Catch::Contains("To: postmaster@example.org\r\n"));
    CHECK_THAT(headers, Catch::Contains("Date: Wed, 18 Nov 2026 11:06:40 +0000\r\n"));
    // No header line starts with Bcc:, in the header block or anywhere in the message.
    CHECK(mail.find("\r\nBcc:") == std::string::npos);
    CHECK(mail.find("\nBcc:") == std::string::npos);
    CHECK_THAT(mail, Catch::Contains("Publish _25._tcp.mx.stale.test. IN TLSA 3 1 1 ABCD"));
    CHECK_THAT(mail, Catch::Contains("defer or refuse mail"));
    std::istringstream lines(mail);
    for (std::string line; std::getline(lines, line);)
        CHECK(line.size() < 998);
}

TEST_CASE("alert mail: each kind of event says what happened and what senders do") {
    const alert::MailHeaders headers{"danemon@mail.example.org", {"postmaster@example.org"}, ""};
    auto event = hostile_event();
    event.kind = EventKind::recovered;
    const auto recovered = alert::compose_mail(event, headers);
    CHECK_THAT(recovered,
               Catch::Contains("Subject: [danemon] RECOVERED stale.test: tlsa-mismatch"));
    CHECK_THAT(recovered, Catch::Contains("X-Danemon-Event: recovered\r\n"));
    CHECK_THAT(recovered, Catch::Contains("Recovered: a problem with mail delivery to stale.test "
                                          "is gone.\r\n"));
    CHECK_THAT(recovered, Catch::Contains("Nothing to do: the problem is gone."));
    // No host name given: the Message-ID names localhost.
    CHECK_THAT(recovered, Catch::Contains(".danemon@localhost>\r\n"));

    event.kind = EventKind::reminder;
    event.severity = check::Severity::warning;
    const auto reminder = alert::compose_mail(event, headers);
    CHECK_THAT(reminder, Catch::Contains("Subject: [danemon] WARNING stale.test"));
    CHECK_THAT(reminder, Catch::Contains("Reminder: this problem with mail delivery to "
                                         "stale.test persists.\r\n"));
    CHECK_THAT(reminder, Catch::Contains("Mail is delivered today, but DANE is not in effect"));
    CHECK(reminder.find("defer or refuse mail") == std::string::npos);

    event.kind = EventKind::worse;
    event.severity = check::Severity::critical;
    CHECK_THAT(alert::compose_mail(event, headers),
               Catch::Contains("danemon found a worse problem with mail delivery to stale.test."));
    event.kind = EventKind::new_problem;
    CHECK_THAT(alert::compose_mail(event, headers),
               Catch::Contains("danemon found a new problem with mail delivery to stale.test."));
}

TEST_CASE("alert mail: bytes from the network are made printable and long lines are broken") {
    auto event = hostile_event();
    event.key.mx = std::string("mx\x01\xff.stale.test");
    std::string word(1000, 'A'); // one word longer than a mail line may be
    std::string paragraph;
    for (int i = 0; i < 200; ++i)
        paragraph += "sentence ";
    event.message = "Publish " + word + " " + paragraph;
    const auto mail = alert::compose_mail(event, {"a@example.org", {"b@example.org"}, "h"});
    CHECK_THAT(mail, Catch::Contains("MX host:  mx??.stale.test\r\n"));
    CHECK_THAT(mail, Catch::Contains("Publish\r\n" + std::string(900, 'A') + "\r\n"));
    std::istringstream lines(mail);
    std::size_t longest = 0;
    for (std::string line; std::getline(lines, line);)
        longest = std::max(longest, line.size());
    CHECK(longest <= 901); // 900 characters and the CR
    CHECK(mail.find(std::string(100, 'A') + " sentence") != std::string::npos);
}

TEST_CASE("the email channel submits one message to the MTA with the envelope given") {
    SmtpReceiver mta;
    alert::EmailOptions options;
    options.headers = {"danemon@mail.example.org",
                       {"postmaster@example.org", "ops@example.org"},
                       "mail.example.org"};
    options.port = mta.port();
    auto sink = alert::make_email_sink(options);
    CHECK(sink->deliver(hostile_event(), {}));
    std::string t = mta.transcript();
    CHECK_THAT(t, Catch::Contains("MAIL FROM:<danemon@mail.example.org>\n"));
    CHECK_THAT(t, Catch::Contains("RCPT TO:<postmaster@example.org>\nRCPT TO:<ops@example.org>\n"));
    CHECK_THAT(t, Catch::Contains("Auto-Submitted: auto-generated\n"));
    CHECK(t.find("\nBcc:") == std::string::npos);
    // A lone "." from the message text must not end DATA early: it is doubled.
    CHECK(t.find("\n.\nPublish") == std::string::npos);
}

TEST_CASE("the email channel reports a refused connection as one phrase") {
    alert::EmailOptions options;
    options.headers = {"danemon@mail.example.org", {"postmaster@example.org"}, "h"};
    options.port = 1; // nothing listens on port 1 of loopback
    const auto delivered = alert::make_email_sink(options)->deliver(hostile_event(), {});
    REQUIRE_FALSE(delivered);
    CHECK_THAT(delivered.error(),
               Catch::StartsWith("mail to the MTA at 127.0.0.1 failed: cannot connect"));
}

TEST_CASE("the email channel takes and drops alerts below its minimum severity") {
    alert::EmailOptions options;
    options.headers = {"danemon@mail.example.org", {"postmaster@example.org"}, "h"};
    options.port = 1; // nothing listens: only a mail that is sent can fail
    options.min_severity = check::Severity::critical;
    auto sink = alert::make_email_sink(options);
    CHECK(sink->channel() == "email");
    auto warning = hostile_event();
    warning.severity = check::Severity::warning;
    CHECK(sink->deliver(warning, {}));
    CHECK_THAT(sink->deliver(hostile_event(), {}).error(), Catch::Contains("cannot connect"));
}

TEST_CASE("the exec channel passes the event as JSON on stdin, never in argv") {
    char dir[] = "/tmp/danemon-exec-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    std::string out = std::string(dir) + "/event.json";
    std::string args = std::string(dir) + "/args";
    auto sink =
        alert::make_exec_sink({"/bin/sh", "-c", "cat > \"$0\"; echo \"$@\" > \"$0.args\"", out},
                              std::chrono::seconds(10));
    CHECK(sink->deliver(hostile_event(), {}));
    std::ifstream in(out);
    std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_THAT(json, Catch::Contains("\"code\":\"tlsa-mismatch\""));
    CHECK_THAT(json, Catch::Contains("\"event\":\"new\""));
    std::ifstream a(out + ".args");
    std::string argv((std::istreambuf_iterator<char>(a)), std::istreambuf_iterator<char>());
    CHECK(argv.find("stale.test") == std::string::npos);
    std::remove(out.c_str());
    std::remove((out + ".args").c_str());
    ::rmdir(dir);
}

TEST_CASE("the exec channel kills a hook that hangs and reports a failing one") {
    auto slow = alert::make_exec_sink({"/bin/sleep", "30"}, std::chrono::seconds(1));
    auto start = std::chrono::steady_clock::now();
    CHECK_THAT(slow->deliver(hostile_event(), {}).error(), Catch::Contains("was killed"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    CHECK_THAT(alert::make_exec_sink({"/bin/false"}, std::chrono::seconds(5))
                   ->deliver(hostile_event(), {})
                   .error(),
               Catch::Contains("exited with status 1"));
    CHECK_THAT(alert::make_exec_sink({"/nonexistent/hook"}, std::chrono::seconds(5))
                   ->deliver(hostile_event(), {})
                   .error(),
               Catch::Contains("could not be run"));
    CHECK_THAT(alert::make_exec_sink({"/bin/sh", "-c", "kill -TERM $$"}, std::chrono::seconds(5))
                   ->deliver(hostile_event(), {})
                   .error(),
               Catch::EndsWith("was killed by signal 15"));
    auto none = alert::make_exec_sink({}, std::chrono::seconds(5));
    CHECK(none->channel() == "exec");
    CHECK(none->deliver(hostile_event(), {}).error() == "no command configured");
}

TEST_CASE("the syslog channel takes every event") {
    // Writes three lines tagged danemon-unit-test to this machine's journal or syslog.
    auto sink = alert::make_syslog_sink("danemon-unit-test", "local7");
    CHECK(sink->channel() == "syslog");
    auto event = hostile_event();
    CHECK(sink->deliver(event, {}));
    event.kind = EventKind::recovered;
    CHECK(sink->deliver(event, {}));
    event.kind = EventKind::reminder;
    event.severity = check::Severity::warning;
    CHECK(alert::make_syslog_sink("danemon-unit-test", "daemon")->deliver(event, {}));
}

TEST_CASE("a failed channel keeps the alert in the outbox; it is sent exactly once later") {
    MemoryStore store;
    store.record_cycle({}, 0, {}, {{0, "email", alert::to_json(hostile_event()), 0, 0, ""}});
    FlakySink sink;
    const auto failed = alert::deliver_outbox(store, {&sink}, 100);
    CHECK(failed.delivered == 0);
    REQUIRE(failed.failures.size() == 1);
    CHECK(failed.failures[0].channel == "email");
    CHECK(failed.failures[0].error == "connection refused");
    REQUIRE(store.pending() == 1);
    CHECK(store.entries.begin()->second.last_error == "connection refused");
    CHECK(store.entries.begin()->second.next_attempt == 160);
    sink.up = true;
    CHECK(alert::deliver_outbox(store, {&sink}, 120).delivered == 0); // backoff not over
    CHECK(alert::deliver_outbox(store, {&sink}, 160).delivered == 1);
    CHECK(alert::deliver_outbox(store, {&sink}, 1000).delivered == 0);
    CHECK(sink.taken.size() == 1);
    CHECK(store.pending() == 0);
}

TEST_CASE("a mail is recorded as sent at the server's 250, not after its slow reply to QUIT") {
    // Killed while a slow server holds back its 221, danemon must not send the alert again.
    SmtpReceiver mta(std::chrono::milliseconds(1500));
    alert::EmailOptions options;
    options.headers = {"danemon@mail.example.org", {"postmaster@example.org"}, "mail.example.org"};
    options.port = mta.port();
    std::optional<std::chrono::steady_clock::time_point> taken_at;
    const auto delivered = alert::make_email_sink(options)->deliver(
        hostile_event(), [&] { taken_at = std::chrono::steady_clock::now(); });
    const auto returned = std::chrono::steady_clock::now();
    CHECK(delivered);
    REQUIRE(taken_at);
    CHECK(returned - *taken_at >= std::chrono::milliseconds(1200));
    CHECK_THAT(mta.transcript(), Catch::Contains("QUIT\n"));
}

TEST_CASE("the outbox marks an attempt before it and removes the entry when the channel took it") {
    MemoryStore store;
    store.record_cycle({}, 0, {}, {{0, "email", alert::to_json(hostile_event()), 0, 0, ""}});
    // A channel that takes the event and then fails in its teardown: the alert was sent.
    class TakesThenFails : public alert::AlertSink {
    public:
        std::string seen_error;
        MemoryStore* store = nullptr;
        std::string channel() const override { return "email"; }
        Expected<void> deliver(const alert::AlertEvent&, const alert::Taken& taken) override {
            seen_error = store->entries.begin()->second.last_error;
            taken();
            return Error{"no reply to QUIT: timed out"};
        }
    } sink;
    sink.store = &store;
    const auto report = alert::deliver_outbox(store, {&sink}, 100);
    CHECK(sink.seen_error == store::interrupted_delivery);
    CHECK(report.delivered == 1);
    CHECK(report.failures.empty());
    CHECK(store.pending() == 0);
}

TEST_CASE("every copy of one alert carries the same Message-ID, another alert another one") {
    const alert::MailHeaders headers{
        "danemon@mail.example.org", {"ops@example.org"}, "mail.example.org"};
    auto message_id = [&](const alert::AlertEvent& e) {
        const std::string mail = alert::compose_mail(e, headers);
        const auto at = mail.find("Message-ID: ");
        return mail.substr(at, mail.find("\r\n", at) - at);
    };
    const auto event = hostile_event();
    CHECK(message_id(event) == message_id(event));
    CHECK_THAT(message_id(event), Catch::EndsWith(".danemon@mail.example.org>"));
    auto later = event;
    later.at += 1;
    CHECK(message_id(later) != message_id(event));
    auto recovered = event;
    recovered.kind = EventKind::recovered;
    CHECK(message_id(recovered) != message_id(event));
}

TEST_CASE("an outbox entry that cannot be read or delivered waits with its error") {
    class ThrowingSink : public alert::AlertSink {
    public:
        std::string channel() const override { return "exec"; }
        Expected<void> deliver(const alert::AlertEvent&, const alert::Taken&) override {
            throw std::runtime_error("hook vanished");
        }
    };
    MemoryStore store;
    store.record_cycle({}, 0, {},
                       {{0, "email", "{not json", 0, 0, ""},
                        {0, "exec", alert::to_json(hostile_event()), 0, 0, ""}});
    FlakySink email;
    email.up = true;
    ThrowingSink exec;
    CHECK(alert::deliver_outbox(store, {&email, &exec}, 100).delivered == 0);
    REQUIRE(store.pending() == 2);
    CHECK_THAT(store.entries.at(1).last_error, Catch::StartsWith("unreadable alert in the outbox"));
    CHECK(store.entries.at(1).next_attempt == 160);
    CHECK(store.entries.at(2).last_error == "hook vanished");
    CHECK(email.taken.empty());
}

TEST_CASE("a channel that keeps failing is retried after 1, 2, 4 ... minutes, at most an hour") {
    MemoryStore store;
    store.record_cycle({}, 0, {}, {{0, "email", alert::to_json(hostile_event()), 0, 0, ""}});
    FlakySink sink;
    std::time_t now = 0;
    std::vector<std::time_t> waits;
    for (int attempt = 0; attempt < 9; ++attempt) {
        CHECK(alert::deliver_outbox(store, {&sink}, now).delivered == 0);
        const std::time_t next = store.entries.begin()->second.next_attempt;
        waits.push_back(next - now);
        CHECK(alert::deliver_outbox(store, {&sink}, next - 1).delivered == 0); // not due yet
        now = next;
    }
    CHECK(waits == std::vector<std::time_t>{60, 120, 240, 480, 960, 1920, 3600, 3600, 3600});
}

TEST_CASE("a configuration enables the channels it names, syslog alone by default") {
    config::Config defaults;
    auto sinks = alert::make_sinks(defaults, "mx-monitor.example.org");
    REQUIRE(sinks.size() == 1);
    CHECK(sinks[0]->channel() == "syslog");

    config::Config none;
    none.syslog.enabled = false;
    CHECK(alert::make_sinks(none, "h").empty());
}

TEST_CASE("the configured email channel sends from danemon@<host name> unless told otherwise") {
    SmtpReceiver mta;
    config::Config c;
    c.syslog.enabled = false;
    c.email.enabled = true;
    c.email.to = {"postmaster@example.org"};
    c.email.port = mta.port();
    c.exec.enabled = true;
    c.exec.command = {"/bin/true"};
    auto sinks = alert::make_sinks(c, "mx-monitor.example.org");
    REQUIRE(sinks.size() == 2);
    CHECK(sinks[0]->channel() == "email");
    CHECK(sinks[1]->channel() == "exec");
    CHECK(sinks[0]->deliver(hostile_event(), {}));
    CHECK_THAT(mta.transcript(), Catch::Contains("MAIL FROM:<danemon@mx-monitor.example.org>\n"));
    CHECK(sinks[1]->deliver(hostile_event(), {}));
}
