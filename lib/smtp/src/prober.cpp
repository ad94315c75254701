// The STARTTLS prober: one SMTP dialogue up to a TLS handshake that offers TLS 1.0 to 1.3,
// then one short dialogue per other key family and per legacy version on its own. Failures
// are returned as values naming the phase; nothing here waits past the probe deadline.
#include "danemon/smtp/prober.hpp"

#include "connection.hpp"
#include "danemon/tls/handshake.hpp"
#include "reply.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <exception>
#include <optional>
#include <string_view>
#include <thread>

namespace danemon::smtp {

namespace {

using detail::Clock;
using detail::Connection;
using detail::IoOutcome;
using detail::IoStatus;
using detail::Reply;
using std::chrono::milliseconds;

constexpr int code_ready = 220;
constexpr std::chrono::milliseconds retry_pause{1000};
constexpr int code_ok = 250;

struct Failure {
    facts::ProbeFailure kind = facts::ProbeFailure::smtp_error;
    std::string phase;
    std::string detail;
    // Refused, or closed or reset before the banner: what a server does for a moment while
    // it restarts, so worth one more try.
    bool passing = false;
};

struct SessionOutcome {
    std::optional<Failure> failure;
    std::string banner;
    bool starttls_offered = false;
    tls::HandshakeResult handshake; // set once the handshake was attempted
};

std::string duration_text(milliseconds limit) {
    return std::to_string(limit.count()) + " ms";
}

// An EHLO argument we are willing to send: no spaces, no control bytes (no CRLF injection).
bool valid_helo_name(std::string_view name) {
    return !name.empty() && name.size() <= 255 &&
           std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c <= '~'; });
}

// RFC 3207 section 4: the EHLO keyword STARTTLS, on any line after the greeting line;
// keywords are case-insensitive (RFC 5321 section 4.1.1.1).
bool offers_starttls(const Reply& ehlo) {
    for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
        std::string_view keyword = ehlo.lines[i];
        keyword = keyword.substr(0, keyword.find(' '));
        constexpr std::string_view wanted = "STARTTLS";
        if (keyword.size() == wanted.size() &&
            std::equal(keyword.begin(), keyword.end(), wanted.begin(), [](char a, char b) {
                return std::toupper(static_cast<unsigned char>(a)) == b;
            })) {
            return true;
        }
    }
    return false;
}

// One SMTP dialogue on one connection, up to and including the TLS handshake.
class SmtpSession {
public:
    SmtpSession(const ProbeRequest& request, Clock::time_point probe_deadline)
        : request_(request)
        , probe_deadline_(probe_deadline) {}

    const std::string& phase() const { return phase_; }

    SessionOutcome run(tls::VersionRange versions, const std::vector<dane::KeyFamily>& only_keys) {
        SessionOutcome outcome;
        outcome.failure = converse(versions, only_keys, outcome);
        return outcome;
    }

private:
    std::optional<Failure> converse(tls::VersionRange versions,
                                    const std::vector<dane::KeyFamily>& only_keys,
                                    SessionOutcome& outcome) {
        if (auto failure = open_connection()) return failure;
        if (auto failure = read_banner(outcome)) return failure;
        if (auto failure = say_ehlo(outcome)) return failure;
        if (auto failure = start_tls()) return failure;
        return handshake(versions, only_keys, outcome);
    }

    std::optional<Failure> open_connection() {
        const PhaseLimits& limits = request_.limits;
        phase_ = "connect";
        const auto connect_deadline = Clock::now() + limits.connect;
        auto opened = Connection::open(request_.endpoint.address, request_.endpoint.port,
                                       connect_deadline, probe_deadline_);
        if (!opened.outcome.ok()) {
            return Failure{facts::ProbeFailure::unreachable, phase_,
                           opened.outcome.status == IoStatus::timed_out
                               ? timeout_text("no TCP connection", limits.connect, connect_deadline)
                               : opened.outcome.error,
                           opened.outcome.error_number == ECONNREFUSED};
        }
        connection_ = std::move(opened.connection);
        return std::nullopt;
    }

    std::optional<Failure> read_banner(SessionOutcome& outcome) {
        phase_ = "banner";
        Failure failure;
        const auto banner = read_reply("the banner", request_.limits.banner, failure);
        if (!banner) {
            failure.passing =
                last_read_.status == IoStatus::closed || last_read_.error_number == ECONNRESET;
            return failure;
        }
        outcome.banner = banner->first_line();
        if (banner->code != code_ready) {
            quit_plaintext();
            return Failure{facts::ProbeFailure::smtp_error, phase_,
                           "the server greeted with " + banner->summary()};
        }
        return std::nullopt;
    }

    std::optional<Failure> say_ehlo(SessionOutcome& outcome) {
        phase_ = "ehlo";
        Failure failure;
        if (!valid_helo_name(request_.helo_name)) {
            return Failure{facts::ProbeFailure::smtp_error, phase_,
                           "the configured EHLO name is invalid"};
        }
        const auto ehlo =
            command("EHLO " + request_.helo_name, "EHLO", request_.limits.command, failure);
        if (!ehlo) {
            return failure;
        }
        if (ehlo->code != code_ok) {
            quit_plaintext();
            return Failure{facts::ProbeFailure::smtp_error, phase_,
                           "EHLO was answered with " + ehlo->summary()};
        }
        outcome.starttls_offered = offers_starttls(*ehlo);
        if (!outcome.starttls_offered) {
            quit_plaintext();
            return Failure{facts::ProbeFailure::starttls_missing, phase_,
                           "the EHLO reply does not offer STARTTLS"};
        }
        return std::nullopt;
    }

    std::optional<Failure> start_tls() {
        phase_ = "starttls";
        Failure failure;
        const auto ready = command("STARTTLS", "STARTTLS", request_.limits.command, failure);
        if (!ready) {
            return failure;
        }
        if (ready->code != code_ready) {
            quit_plaintext();
            return Failure{facts::ProbeFailure::smtp_error, phase_,
                           "STARTTLS was answered with " + ready->summary()};
        }
        // Plaintext that arrived after the 220 would be taken as part of the TLS session by
        // a careless client (CVE-2011-0411): a server or middlebox sending it is broken.
        if (!unread_.empty()) {
            return Failure{facts::ProbeFailure::smtp_error, phase_,
                           "the server sent " + std::to_string(unread_.size()) +
                               " bytes after its 220 reply to STARTTLS, before the TLS "
                               "handshake"};
        }
        return std::nullopt;
    }

    std::optional<Failure> handshake(tls::VersionRange versions,
                                     const std::vector<dane::KeyFamily>& only_keys,
                                     SessionOutcome& outcome) {
        const PhaseLimits& limits = request_.limits;
        phase_ = "handshake";
        const auto handshake_deadline = Clock::now() + limits.handshake;
        outcome.handshake = tls::client_handshake(
            connection_->fd(), request_.sni, versions, connection_->effective(handshake_deadline),
            tls::Farewell{"QUIT\r\n", limits.quit}, only_keys);
        if (!outcome.handshake.ok) {
            return Failure{
                facts::ProbeFailure::tls_failed, phase_,
                outcome.handshake.timed_out
                    ? timeout_text("no TLS handshake", limits.handshake, handshake_deadline)
                    : outcome.handshake.error};
        }
        return std::nullopt;
    }

    // "no banner within 300 ms", or that the whole probe ran out of time.
    std::string timeout_text(const std::string& what, milliseconds limit,
                             Clock::time_point phase_deadline) const {
        if (probe_deadline_ < phase_deadline) {
            return what + " before the probe's deadline of " + duration_text(request_.limits.total);
        }
        return what + " within " + duration_text(limit);
    }

    std::optional<Reply> command(const std::string& line, const std::string& name,
                                 milliseconds limit, Failure& failure) {
        const auto phase_deadline = Clock::now() + limit;
        const IoOutcome sent = connection_->write_all(line + "\r\n", phase_deadline);
        if (!sent.ok()) {
            failure = {facts::ProbeFailure::smtp_error, phase_,
                       sent.status == IoStatus::timed_out
                           ? timeout_text("could not send " + name, limit, phase_deadline)
                           : "cannot send " + name + ": " + sent.error};
            return std::nullopt;
        }
        return read_reply("the reply to " + name, limit, failure);
    }

    // One reply, within `limit` of now. Bytes after it stay in unread_.
    std::optional<Reply> read_reply(const std::string& what, milliseconds limit, Failure& failure) {
        const auto phase_deadline = Clock::now() + limit;
        detail::ReplyReader reader;
        for (;;) {
            unread_.erase(0, reader.feed(unread_));
            if (reader.state() == detail::ReplyReader::State::complete) {
                return reader.reply();
            }
            if (reader.state() == detail::ReplyReader::State::failed) {
                failure = {facts::ProbeFailure::smtp_error, phase_,
                           "protocol error in " + what + ": " + reader.error()};
                return std::nullopt;
            }
            const IoOutcome read = connection_->read_some(unread_, phase_deadline);
            last_read_ = read;
            if (read.ok()) {
                continue;
            }
            std::string detail;
            switch (read.status) {
            case IoStatus::timed_out:
                detail = timeout_text("no complete " + what.substr(what.find(' ') + 1), limit,
                                      phase_deadline);
                break;
            case IoStatus::closed:
                detail = "the server closed the connection instead of sending " + what;
                break;
            default:
                detail = "cannot read " + what + ": " + read.error;
                break;
            }
            failure = {facts::ProbeFailure::smtp_error, phase_, std::move(detail)};
            return std::nullopt;
        }
    }

    // Best effort, while the dialogue is still in step: QUIT and its reply.
    void quit_plaintext() {
        Failure ignored;
        unread_.clear();
        command("QUIT", "QUIT", request_.limits.quit, ignored);
    }

    const ProbeRequest& request_;
    Clock::time_point probe_deadline_;
    std::optional<Connection> connection_;
    std::string unread_; // received bytes not yet part of a reply
    std::string phase_ = "connect";
    IoOutcome last_read_;
};

SessionOutcome run_session(const ProbeRequest& request, tls::VersionRange versions,
                           Clock::time_point probe_deadline,
                           const std::vector<dane::KeyFamily>& only_keys = {}) {
    SmtpSession session(request, probe_deadline);
    try {
        return session.run(versions, only_keys);
    } catch (const std::exception& error) {
        SessionOutcome outcome;
        outcome.failure = Failure{facts::ProbeFailure::smtp_error, session.phase(),
                                  std::string("internal error: ") + error.what()};
        return outcome;
    }
}

// The version a successful main session negotiated, from its name in the result.
std::optional<tls::Version> negotiated_version(const std::string& name) {
    using tls::Version;
    for (const Version version :
         {Version::tls1_0, Version::tls1_1, Version::tls1_2, Version::tls1_3})
        if (name == tls::to_string(version)) return version;
    return std::nullopt;
}

class StarttlsProber final : public Prober {
public:
    facts::ProbeResult probe(const ProbeRequest& request) override {
        const auto start = Clock::now();
        facts::ProbeResult result;
        result.endpoint = request.endpoint;
        try {
            run_main(request, start + request.limits.total, result);
        } catch (...) {
            result.failure = facts::ProbeFailure::smtp_error;
            if (result.phase.empty()) {
                result.phase = "connect";
            }
            result.detail = "internal error";
        }
        result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
        // The same path as a caller's later pass: one rule for what the later sessions do.
        if (request.probe_legacy || request.probe_keys) {
            second_pass(request, result);
        }
        return result;
    }

    void second_pass(const ProbeRequest& request, facts::ProbeResult& result) override {
        if (result.failure != facts::ProbeFailure::none) {
            return;
        }
        const auto start = Clock::now();
        const auto left = std::max(milliseconds(0), request.limits.total - result.elapsed);
        // The keys first: a certificate that senders of another kind are refused for matters
        // more than a version nobody should offer.
        if (request.probe_keys) keys_or_untested(request, start + left, result);
        if (request.probe_legacy) legacy_or_untested(request, start + left, result);
        result.elapsed += std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    }

private:
    static void run_main(const ProbeRequest& request, Clock::time_point deadline,
                         facts::ProbeResult& result) {
        using tls::Version;
        SessionOutcome main = run_session(request, {Version::tls1_0, Version::tls1_3}, deadline);
        // A refused connection or one closed before the banner: one more try after a pause,
        // within the probe's deadline, before it counts (a restarting server, a full queue).
        if (main.failure && main.failure->passing &&
            Clock::now() + retry_pause + milliseconds(500) < deadline) {
            std::this_thread::sleep_for(retry_pause);
            main = run_session(request, {Version::tls1_0, Version::tls1_3}, deadline);
        }
        result.banner = main.banner;
        result.starttls_offered = main.starttls_offered;
        if (main.failure) {
            result.failure = main.failure->kind;
            result.phase = main.failure->phase;
            result.detail = main.failure->detail;
            return;
        }
        const auto negotiated = main.handshake.negotiated;
        result.tls_version = main.handshake.version;
        result.cipher = main.handshake.cipher;
        result.chain = std::move(main.handshake.chain);
        result.modern_tls = negotiated && *negotiated >= Version::tls1_2;
    }

    // The key sessions never change the main session's result. Each offers the signature
    // algorithms of every key family not yet served; a served certificate of one of them is
    // recorded and the rest asked for again, a refusal (or a certificate of a family already
    // seen: a server that ignores the offer) ends the search. A server with one key costs
    // one session, one with two keys two. Families not asked for when a session fails (or
    // fails internally) stay untested.
    static void keys_or_untested(const ProbeRequest& request, Clock::time_point deadline,
                                 facts::ProbeResult& result) {
        const auto main_key = dane::leaf_key_type(result.chain);
        if (!result.modern_tls || !main_key) return; // no signature algorithms below TLS 1.2
        std::vector<dane::KeyFamily> remaining;
        for (const dane::KeyFamily family : tls::probed_key_families)
            if (family != main_key->family) remaining.push_back(family);
        try {
            while (!remaining.empty() && ask_for_key(request, remaining, deadline, result)) {
            }
        } catch (...) {
            result.keys_untested.clear();
            for (const dane::KeyFamily family : remaining)
                result.keys_untested.emplace_back(dane::to_string(family));
        }
    }

    // One session offering only REMAINING's signature algorithms. True when it was served a
    // certificate of one of them, now taken out of REMAINING.
    static bool ask_for_key(const ProbeRequest& request, std::vector<dane::KeyFamily>& remaining,
                            Clock::time_point deadline, facts::ProbeResult& result) {
        using tls::Version;
        SessionOutcome session =
            run_session(request, {Version::tls1_2, Version::tls1_3}, deadline, remaining);
        if (session.failure) {
            const bool refused = session.failure->kind == facts::ProbeFailure::tls_failed &&
                                 !session.handshake.timed_out;
            if (!refused)
                for (const dane::KeyFamily family : remaining)
                    result.keys_untested.emplace_back(dane::to_string(family));
            return false;
        }
        const auto served = dane::leaf_key_type(session.handshake.chain);
        const auto found = served ? std::find(remaining.begin(), remaining.end(), served->family)
                                  : remaining.end();
        if (found == remaining.end()) return false;
        remaining.erase(found);
        result.other_keys.push_back(facts::ServedKey{served->name, dane::to_string(served->family),
                                                     session.handshake.version,
                                                     std::move(session.handshake.chain)});
        return true;
    }

    // The legacy sessions never change the main verdict; when they fail internally, TLS 1.0
    // and 1.1 stay untested.
    static void legacy_or_untested(const ProbeRequest& request, Clock::time_point deadline,
                                   facts::ProbeResult& result) {
        try {
            run_legacy(request, deadline, result);
        } catch (...) {
            result.legacy_tls.clear();
            result.legacy_untested = {tls::to_string(tls::Version::tls1_0),
                                      tls::to_string(tls::Version::tls1_1)};
        }
    }

    static void run_legacy(const ProbeRequest& request, Clock::time_point deadline,
                           facts::ProbeResult& result) {
        using tls::Version;
        const std::optional<Version> negotiated = negotiated_version(result.tls_version);
        // Which of TLS 1.0 and 1.1 does the server still accept? One session offering both
        // answers for the common modern server, which refuses it; only a server that takes
        // TLS 1.1 is asked about TLS 1.0 on its own (the highest offered version wins).
        enum class Answer { accepted, refused, untested };
        auto attempt = [&](tls::VersionRange range, std::optional<Version>& got) {
            const SessionOutcome legacy = run_session(request, range, deadline);
            if (!legacy.failure) {
                got = legacy.handshake.negotiated;
                return Answer::accepted;
            }
            return legacy.failure->kind == facts::ProbeFailure::tls_failed &&
                           !legacy.handshake.timed_out
                       ? Answer::refused
                       : Answer::untested;
        };
        auto note = [&](Version version, Answer answer) {
            if (answer == Answer::accepted) result.legacy_tls.emplace_back(tls::to_string(version));
            if (answer == Answer::untested)
                result.legacy_untested.emplace_back(tls::to_string(version));
        };
        std::optional<Version> got;
        if (negotiated == Version::tls1_0) {
            note(Version::tls1_0, Answer::accepted); // and TLS 1.1 is above its highest
        } else if (negotiated == Version::tls1_1) {
            note(Version::tls1_0, attempt({Version::tls1_0, Version::tls1_0}, got));
            note(Version::tls1_1, Answer::accepted);
        } else {
            const Answer either = attempt({Version::tls1_0, Version::tls1_1}, got);
            if (either == Answer::accepted && got == Version::tls1_1) {
                note(Version::tls1_0, attempt({Version::tls1_0, Version::tls1_0}, got));
                note(Version::tls1_1, Answer::accepted);
            } else if (either == Answer::accepted) {
                note(Version::tls1_0, Answer::accepted); // 1.1 offered and not taken: refused
            } else {
                note(Version::tls1_0, either);
                note(Version::tls1_1, either);
            }
        }
    }
};

} // namespace

PhaseLimits PhaseLimits::within(std::chrono::milliseconds total) {
    PhaseLimits limits;
    limits.total = total;
    for (auto* limit : {&limits.connect, &limits.banner, &limits.command, &limits.handshake})
        *limit = std::min(*limit, total);
    return limits;
}

std::unique_ptr<Prober> make_starttls_prober() {
    return std::make_unique<StarttlsProber>();
}

} // namespace danemon::smtp
