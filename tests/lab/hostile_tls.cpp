// Hostile TLS peers for the danemon lab: SMTP up to STARTTLS, then a TLS server that
// misbehaves in ways Python's ssl module cannot (renegotiation requests, raw records,
// certificates with control bytes in their names). Started and stopped by lab.py.
//
//   danemon-lab-hostile-tls [--connection-cap SECONDS] [--max-connections N]
//       [--max-lifetime SECONDS] [--user USER]
//       --listen NAME,KIND,ADDRESS:PORT,KEY,CHAIN,ISSUER_KEY ...
//
// KEY is the leaf's private key, CHAIN the PEM chain to serve (leaf first), ISSUER_KEY the key
// of CHAIN's second certificate (only bad-names uses it). Kinds:
//   renegotiate        TLS 1.2 only. Right after the handshake, one HelloRequest (a request to
//                      renegotiate); then it answers EHLO and QUIT over TLS.
//   renegotiate-storm  TLS 1.2 only. A plaintext HelloRequest record after its first flight
//                      (mid-handshake), then an encrypted HelloRequest every 10 ms until the
//                      client closes or the cap; it never answers a command over TLS.
//   bad-names          TLS 1.2 and 1.3, a normal dialogue, but the leaf is made at start for
//                      KEY, issued by CHAIN's second certificate: its subject and DNS names
//                      hold CR, LF, ESC sequences, NUL, invalid UTF-8 and shell syntax.
//
// Bounded like hostile_smtp.py: every connection has its own thread and is closed after the
// cap; beyond --max-connections, new connections are closed at once; the process exits by
// itself after --max-lifetime. All sockets are bound and all files read before it drops root.
// One log line per connection on stdout.
#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <grp.h>
#include <memory>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pwd.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

template <auto free_function> struct Free {
    template <typename T> void operator()(T* object) const { free_function(object); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, Free<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Free<SSL_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO_free>>;
using X509Ptr = std::unique_ptr<X509, Free<X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Free<X509_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Free<GENERAL_NAMES_free>>;

// The hostile strings of the bad-names leaf. Tests look for the /tmp/danemon-pwned-* files
// (a shell that interpreted a name would create them) and for "X-Injected" header lines.
using namespace std::string_view_literals;
constexpr std::string_view hostile_common_name =
    "mx.bad\r\nX-Injected: cn\x1b[31mRED\x1b[0m\x1b]0;pwned\x07\0nul"
    "$(touch /tmp/danemon-pwned-cn)`touch /tmp/danemon-pwned-bt`;|'\""sv;
// A TeletexString takes any byte; a UTF8String must be valid UTF-8, or OpenSSL cannot encode
// the name at all.
constexpr std::string_view hostile_organization = "Evil\nX-Injected: org\x1b[2J\xff\xfe"sv;
constexpr std::string_view hostile_dns_names[] = {
    "mx.evil.test\r\nX-Injected: san"sv,
    "\x1b[2J\x1b[31mred.test\x1b]0;title\x07"sv,
    "nul\0.test"sv,
    "$(touch /tmp/danemon-pwned-1).test"sv,
    "`touch /tmp/danemon-pwned-2`.test"sv,
    "a;touch /tmp/danemon-pwned-3|cat'\"\\.test"sv,
    "\xff\xfe\xc3.utf8.test"sv,
    "line\nBcc: victim@alerts.test"sv,
};

// A HelloRequest in a plaintext TLS 1.2 handshake record (RFC 5246 section 7.4.1.1).
constexpr unsigned char plaintext_hello_request[] = {0x16, 0x03, 0x03, 0x00, 0x04,
                                                     0x00, 0x00, 0x00, 0x00};

enum class Kind { renegotiate, renegotiate_storm, bad_names };

struct Listener {
    std::string name;
    Kind kind = Kind::renegotiate;
    std::string kind_text;
    std::string address;
    int port = 25;
    SslCtxPtr context;
    int fd = -1;
};

struct Options {
    double connection_cap = 120;
    int max_connections = 32;
    double max_lifetime = 0; // 0: no limit of its own
    std::string user;
    std::vector<std::string> listen;
};

[[noreturn]] void fail(const std::string& message) {
    throw std::runtime_error(message);
}

std::string openssl_error() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "no OpenSSL error";
    const char* reason = ERR_reason_error_string(code);
    return reason != nullptr ? reason : "OpenSSL error " + std::to_string(code);
}

void log_line(const std::string& text) {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%F %T", &local);
    std::printf("%s %s\n", stamp, text.c_str());
    std::fflush(stdout);
}

KeyPtr read_key(const std::string& path) {
    BioPtr bio(BIO_new_file(path.c_str(), "r"));
    KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key) fail("cannot read the key " + path + ": " + openssl_error());
    return key;
}

std::vector<X509Ptr> read_chain(const std::string& path) {
    BioPtr bio(BIO_new_file(path.c_str(), "r"));
    if (!bio) fail("cannot open " + path);
    std::vector<X509Ptr> chain;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
        chain.emplace_back(cert);
    ERR_clear_error(); // the end of the file
    if (chain.empty()) fail("no certificate in " + path);
    return chain;
}

void add_raw_entry(X509_NAME* name, int nid, int type, std::string_view value) {
    // A string of TYPE with exactly these bytes: no conversion, no length limit, no checks.
    X509_NAME_ENTRY* entry = X509_NAME_ENTRY_create_by_NID(
        nullptr, nid, type, reinterpret_cast<const unsigned char*>(value.data()),
        static_cast<int>(value.size()));
    if (entry == nullptr || X509_NAME_add_entry(name, entry, -1, 0) != 1)
        fail("cannot build the hostile subject: " + openssl_error());
    X509_NAME_ENTRY_free(entry);
}

// The bad-names leaf for KEY, issued by ISSUER (with ISSUER_KEY); valid from yesterday to 2099.
X509Ptr make_hostile_leaf(EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
    X509Ptr leaf(X509_new());
    NamePtr subject(X509_NAME_new());
    GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
    if (!leaf || !subject || !names) fail("out of memory");
    unsigned char serial[8];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(number, X509_get_serialNumber(leaf.get()));
    BN_free(number);
    X509_set_version(leaf.get(), 2);
    X509_gmtime_adj(X509_getm_notBefore(leaf.get()), -86400);
    ASN1_TIME_set_string(X509_getm_notAfter(leaf.get()), "20991231235959Z");
    X509_set_pubkey(leaf.get(), key);
    add_raw_entry(subject.get(), NID_organizationName, V_ASN1_T61STRING, hostile_organization);
    add_raw_entry(subject.get(), NID_commonName, V_ASN1_UTF8STRING, hostile_common_name);
    if (X509_set_subject_name(leaf.get(), subject.get()) != 1)
        fail("cannot set the hostile subject: " + openssl_error());
    X509_set_issuer_name(leaf.get(), X509_get_subject_name(issuer));
    for (const std::string_view dns : hostile_dns_names) {
        ASN1_IA5STRING* text = ASN1_IA5STRING_new();
        GENERAL_NAME* name = GENERAL_NAME_new();
        if (text == nullptr || name == nullptr ||
            ASN1_STRING_set(text, dns.data(), static_cast<int>(dns.size())) != 1)
            fail("out of memory");
        GENERAL_NAME_set0_value(name, GEN_DNS, text);
        sk_GENERAL_NAME_push(names.get(), name);
    }
    if (X509_add1_ext_i2d(leaf.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) !=
            1 ||
        X509_sign(leaf.get(), issuer_key, EVP_sha256()) <= 0)
        fail("cannot sign the hostile leaf: " + openssl_error());
    return leaf;
}

// NAME,KIND,ADDRESS:PORT,KEY,CHAIN,ISSUER_KEY
Listener make_listener(const std::string& spec) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t comma; (comma = spec.find(',', start)) != std::string::npos; start = comma + 1)
        parts.push_back(spec.substr(start, comma - start));
    parts.push_back(spec.substr(start));
    if (parts.size() != 6)
        fail("--listen " + spec + ": want NAME,KIND,ADDRESS:PORT,KEY,CHAIN,ISSUER_KEY");
    Listener l;
    l.name = parts[0];
    l.kind_text = parts[1];
    if (parts[1] == "renegotiate")
        l.kind = Kind::renegotiate;
    else if (parts[1] == "renegotiate-storm")
        l.kind = Kind::renegotiate_storm;
    else if (parts[1] == "bad-names")
        l.kind = Kind::bad_names;
    else
        fail("--listen " + spec + ": unknown kind " + parts[1]);
    const std::size_t colon = parts[2].rfind(':');
    if (colon == std::string::npos) fail("--listen " + spec + ": ADDRESS:PORT wanted");
    l.address = parts[2].substr(0, colon);
    l.port = std::stoi(parts[2].substr(colon + 1));

    KeyPtr key = read_key(parts[3]);
    std::vector<X509Ptr> chain = read_chain(parts[4]);
    if (l.kind == Kind::bad_names) {
        if (chain.size() < 2) fail(parts[4] + ": bad-names needs the issuer in the chain");
        KeyPtr issuer_key = read_key(parts[5]);
        chain.front() = make_hostile_leaf(key.get(), chain[1].get(), issuer_key.get());
    }
    l.context.reset(SSL_CTX_new(TLS_server_method()));
    SSL_CTX* context = l.context.get();
    if (context == nullptr) fail("cannot create a TLS context");
    const bool tls12_only = l.kind != Kind::bad_names;
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(context, tls12_only ? TLS1_2_VERSION : TLS1_3_VERSION);
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(context, SSL_OP_NO_TICKET);
    if (SSL_CTX_use_certificate(context, chain.front().get()) != 1 ||
        SSL_CTX_use_PrivateKey(context, key.get()) != 1)
        fail(l.name + ": cannot load the certificate and key: " + openssl_error());
    for (std::size_t i = 1; i < chain.size(); ++i)
        if (SSL_CTX_add1_chain_cert(context, chain[i].get()) != 1)
            fail(l.name + ": cannot add a chain certificate: " + openssl_error());
    return l;
}

void bind_listener(Listener& l) {
    l.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); // no SO_REUSEPORT
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_port = htons(static_cast<std::uint16_t>(l.port));
    if (::inet_pton(AF_INET, l.address.c_str(), &where.sin_addr) != 1)
        fail(l.name + ": bad address " + l.address);
    if (::bind(l.fd, reinterpret_cast<sockaddr*>(&where), sizeof where) != 0 ||
        ::listen(l.fd, 16) != 0)
        fail("cannot bind " + l.address + ":" + std::to_string(l.port) + " for " + l.name + ": " +
             std::strerror(errno));
    log_line(l.name + " (" + l.kind_text + ") listening on " + l.address + ":" +
             std::to_string(l.port));
}

void drop_privileges(const std::string& user) {
    if (::geteuid() != 0 || user.empty()) return;
    const passwd* entry = ::getpwnam(user.c_str());
    if (entry == nullptr) {
        log_line("user " + user + " unknown; keeping the current user");
        return;
    }
    if (::setgroups(0, nullptr) != 0 || ::setgid(entry->pw_gid) != 0 ||
        ::setuid(entry->pw_uid) != 0)
        fail("cannot drop root to " + user + ": " + std::strerror(errno));
}

struct Closed {
    std::string why;
};

// One client connection: every wait ends at the connection's cap.
class Connection {
public:
    Connection(int fd, Clock::time_point deadline)
        : fd_(fd)
        , deadline_(deadline) {}

    // Waits for EVENTS until `until` (never past the cap); false when `until` came first.
    bool wait(short events, Clock::time_point until) {
        until = std::min(until, deadline_);
        for (;;) {
            const auto now = Clock::now();
            if (now >= deadline_) throw Closed{"connection cap reached"};
            if (now >= until) return false;
            pollfd entry{fd_, events, 0};
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - now);
            const int rc = ::poll(&entry, 1, static_cast<int>(left.count()));
            if (rc > 0) return true;
            if (rc < 0 && errno != EINTR)
                throw Closed{std::string("poll: ") + std::strerror(errno)};
        }
    }

    void send(const void* data, std::size_t size) {
        const auto* bytes = static_cast<const char*>(data);
        while (size > 0) {
            const ssize_t n = ::send(fd_, bytes, size, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                bytes += n;
                size -= static_cast<std::size_t>(n);
                sent += static_cast<std::size_t>(n);
            } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                if (!wait(POLLOUT, Clock::now() + 10s)) throw Closed{"client does not read"};
            } else {
                throw Closed{std::string("send: ") + std::strerror(errno)};
            }
        }
    }
    void send(std::string_view text) { send(text.data(), text.size()); }

    // Some bytes from the client, waiting until `until`; empty when none came in time.
    std::string receive(Clock::time_point until) {
        if (!wait(POLLIN, until)) return {};
        char buffer[16384];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n == 0) throw Closed{"client closed"};
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return {};
            throw Closed{std::string("recv: ") + std::strerror(errno)};
        }
        received += static_cast<std::size_t>(n);
        return {buffer, static_cast<std::size_t>(n)};
    }

    // One plaintext line (without CRLF); the bytes after it stay in `pending`.
    std::string read_line() {
        std::size_t end;
        while ((end = pending.find('\n')) == std::string::npos) {
            pending += receive(deadline_);
            if (pending.size() > 65536) throw Closed{"line too long"};
        }
        std::string line = pending.substr(0, end);
        pending.erase(0, end + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
    }

    std::string pending;
    std::size_t sent = 0;
    std::size_t received = 0;

private:
    int fd_;
    Clock::time_point deadline_;
};

std::string verb_of(const std::string& line) {
    std::string verb = line.substr(0, line.find(' '));
    std::transform(verb.begin(), verb.end(), verb.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return verb;
}

struct TlsStats {
    std::vector<std::string> alerts_received; // "warning no renegotiation", ...
};

void on_message(int write_p, int, int content_type, const void* buf, std::size_t len, SSL*,
                void* arg) {
    if (write_p != 0 || content_type != SSL3_RT_ALERT || len != 2) return;
    const auto* bytes = static_cast<const unsigned char*>(buf);
    const int value = (bytes[0] << 8) | bytes[1];
    static_cast<TlsStats*>(arg)->alerts_received.push_back(
        std::string(SSL_alert_type_string_long(value)) + " " + SSL_alert_desc_string_long(value));
}

// A server TLS session over memory BIOs: this code moves the bytes, so it can add its own.
class TlsSession {
public:
    TlsSession(SSL_CTX* context, Connection& connection)
        : ssl_(SSL_new(context))
        , connection_(connection) {
        BIO* in = BIO_new(BIO_s_mem());
        BIO* out = BIO_new(BIO_s_mem());
        if (!ssl_ || in == nullptr || out == nullptr) throw Closed{"out of memory"};
        BIO_set_mem_eof_return(in, -1);
        SSL_set_bio(ssl_.get(), in, out);
        in_ = in;
        out_ = out;
        SSL_set_accept_state(ssl_.get());
        SSL_set_msg_callback(ssl_.get(), on_message);
        SSL_set_msg_callback_arg(ssl_.get(), &stats);
    }

    SSL* ssl() { return ssl_.get(); }

    // Sends what OpenSSL produced; true when there was something.
    bool flush() {
        bool any = false;
        char buffer[16384];
        while (BIO_ctrl_pending(out_) > 0) {
            const int n = BIO_read(out_, buffer, sizeof buffer);
            if (n <= 0) break;
            connection_.send(buffer, static_cast<std::size_t>(n));
            any = true;
        }
        return any;
    }

    // Hands bytes from the client (waiting until `until`) to OpenSSL.
    void feed(Clock::time_point until) {
        std::string bytes = std::move(connection_.pending);
        connection_.pending.clear();
        if (bytes.empty()) bytes = connection_.receive(until);
        if (!bytes.empty()) BIO_write(in_, bytes.data(), static_cast<int>(bytes.size()));
    }

    // The server handshake; with inject_mid_handshake, a plaintext HelloRequest follows the
    // server's first flight.
    void handshake(bool inject_mid_handshake) {
        bool injected = false;
        for (;;) {
            const int rc = SSL_do_handshake(ssl_.get());
            const bool produced = flush();
            if (rc == 1) return;
            const int code = SSL_get_error(ssl_.get(), rc);
            if (code != SSL_ERROR_WANT_READ) throw Closed{"handshake failed: " + openssl_error()};
            if (inject_mid_handshake && produced && !injected) {
                connection_.send(plaintext_hello_request, sizeof plaintext_hello_request);
                ++hello_requests;
                injected = true;
            }
            feed(Clock::time_point::max());
        }
    }

    // Asks for renegotiation: one HelloRequest. False when OpenSSL refuses to ask again.
    bool request_renegotiation() {
        if (SSL_renegotiate(ssl_.get()) != 1) return false;
        SSL_do_handshake(ssl_.get()); // writes the HelloRequest; does not wait for the answer
        ERR_clear_error();
        if (!flush()) return false;
        ++hello_requests;
        return true;
    }

    // One line of application data (without CRLF); throws Closed at the end of the session.
    std::string read_line() {
        std::size_t end;
        while ((end = text_.find('\n')) == std::string::npos) {
            char buffer[4096];
            const int n = SSL_read(ssl_.get(), buffer, sizeof buffer);
            if (n > 0) {
                text_.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            const int code = SSL_get_error(ssl_.get(), n);
            flush(); // alerts, or a renegotiation's next flight
            if (code == SSL_ERROR_ZERO_RETURN) throw Closed{"client sent close_notify"};
            if (code != SSL_ERROR_WANT_READ) throw Closed{"TLS read failed: " + openssl_error()};
            feed(Clock::time_point::max());
        }
        std::string line = text_.substr(0, end);
        text_.erase(0, end + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
    }

    // Reads and drops application data until the session ends or `until`.
    void drain(Clock::time_point until) {
        char buffer[4096];
        while (Clock::now() < until) {
            const int n = SSL_read(ssl_.get(), buffer, sizeof buffer);
            if (n > 0) continue;
            const int code = SSL_get_error(ssl_.get(), n);
            flush();
            if (code != SSL_ERROR_WANT_READ) return;
            feed(until);
        }
    }

    void write(std::string_view text) {
        SSL_write(ssl_.get(), text.data(), static_cast<int>(text.size()));
        flush();
    }

    TlsStats stats;
    int hello_requests = 0;

private:
    SslPtr ssl_;
    Connection& connection_;
    BIO* in_ = nullptr;
    BIO* out_ = nullptr;
    std::string text_;
};

// The SMTP dialogue up to "220 ready" for STARTTLS; false when the client quit before.
bool smtp_until_starttls(Connection& c, const std::string& host) {
    c.send("220 " + host + " ESMTP hostile-tls\r\n");
    for (;;) {
        const std::string verb = verb_of(c.read_line());
        if (verb == "EHLO" || verb == "HELO") {
            c.send("250-" + host + "\r\n250 STARTTLS\r\n");
        } else if (verb == "STARTTLS") {
            c.send("220 2.0.0 Ready to start TLS\r\n");
            return true;
        } else if (verb == "QUIT") {
            c.send("221 2.0.0 Bye\r\n");
            return false;
        } else {
            c.send("502 5.5.2 Error: command not recognized\r\n");
        }
    }
}

// Answers commands over TLS until QUIT or the end of the session.
void serve_commands(TlsSession& tls, const std::string& host) {
    for (;;) {
        const std::string verb = verb_of(tls.read_line());
        if (verb == "QUIT") {
            tls.write("221 2.0.0 Bye\r\n");
            // Whatever the client still sends (its answer to a HelloRequest, close_notify)
            // is read for up to 2 s, so that the log line can name it.
            tls.drain(Clock::now() + 2s);
            SSL_shutdown(tls.ssl());
            tls.flush();
            throw Closed{"QUIT"};
        }
        tls.write(verb == "EHLO" ? "250 " + host + "\r\n" : "250 2.0.0 Ok\r\n");
    }
}

// Requests renegotiation every 10 ms and reads (and drops) what the client sends.
void storm(TlsSession& tls, Connection& c) {
    for (;;) {
        if (!tls.request_renegotiation()) throw Closed{"OpenSSL would not request again"};
        const auto until = Clock::now() + 10ms;
        while (Clock::now() < until)
            c.receive(until);
    }
}

void serve(const Listener& l, int fd, const std::string& peer, double cap,
           std::atomic<int>& active) {
    const auto started = Clock::now();
    Connection c(fd, started + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(cap)));
    const std::string host = l.name + ".lab.test";
    std::string reason = "done";
    std::string version = "-";
    std::unique_ptr<TlsSession> tls;
    try {
        if (smtp_until_starttls(c, host)) {
            tls = std::make_unique<TlsSession>(l.context.get(), c);
            tls->handshake(l.kind == Kind::renegotiate_storm);
            version = SSL_get_version(tls->ssl());
            switch (l.kind) {
            case Kind::renegotiate:
                tls->request_renegotiation();
                serve_commands(*tls, host);
                break;
            case Kind::renegotiate_storm:
                storm(*tls, c);
                break;
            case Kind::bad_names:
                serve_commands(*tls, host);
                break;
            }
        }
    } catch (const Closed& closed) {
        reason = closed.why;
    } catch (const std::exception& e) {
        reason = std::string("internal error: ") + e.what();
    }
    ERR_clear_error();
    ::close(fd);
    --active;
    std::string alerts;
    if (tls)
        for (const auto& a : tls->stats.alerts_received)
            alerts += (alerts.empty() ? "" : ", ") + a;
    char took[32];
    std::snprintf(took, sizeof took, "%.1f",
                  std::chrono::duration<double>(Clock::now() - started).count());
    log_line(l.name + " (" + l.kind_text + ") " + peer + " closed after " + took + "s: " + reason +
             "; tls " + version + ", hello_requests " +
             std::to_string(tls ? tls->hello_requests : 0) + ", alerts received [" + alerts +
             "]; sent " + std::to_string(c.sent) + " bytes, received " +
             std::to_string(c.received));
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) fail(arg + ": a value is missing");
        const std::string value = argv[++i];
        if (arg == "--connection-cap")
            o.connection_cap = std::stod(value);
        else if (arg == "--max-connections")
            o.max_connections = std::stoi(value);
        else if (arg == "--max-lifetime")
            o.max_lifetime = std::stod(value);
        else if (arg == "--user")
            o.user = value;
        else if (arg == "--listen")
            o.listen.push_back(value);
        else
            fail("unknown option " + arg);
    }
    if (o.listen.empty()) fail("no --listen given");
    return o;
}

int run(int argc, char** argv) {
    const Options options = parse(argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<Listener> listeners;
    for (const auto& spec : options.listen)
        listeners.push_back(make_listener(spec));
    for (auto& l : listeners)
        bind_listener(l);
    drop_privileges(options.user);
    log_line("pid " + std::to_string(::getpid()) + " serving; connection cap " +
             std::to_string(static_cast<int>(options.connection_cap)) + "s, at most " +
             std::to_string(options.max_connections) + " connections, lifetime " +
             (options.max_lifetime > 0
                  ? std::to_string(static_cast<long>(options.max_lifetime)) + "s"
                  : std::string("unlimited")));

    const auto end = options.max_lifetime > 0
                         ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(options.max_lifetime))
                         : Clock::time_point::max();
    std::vector<pollfd> fds;
    for (const auto& l : listeners)
        fds.push_back({l.fd, POLLIN, 0});
    static std::atomic<int> active{0};
    while (Clock::now() < end) {
        if (::poll(fds.data(), fds.size(), 1000) <= 0) continue;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if ((fds[i].revents & POLLIN) == 0) continue;
            sockaddr_in from{};
            socklen_t size = sizeof from;
            const int fd =
                ::accept4(fds[i].fd, reinterpret_cast<sockaddr*>(&from), &size, SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno != EAGAIN && errno != EINTR) std::this_thread::sleep_for(500ms);
                continue;
            }
            char text[INET_ADDRSTRLEN] = "?";
            ::inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
            const std::string peer = std::string(text) + ":" + std::to_string(ntohs(from.sin_port));
            if (active >= options.max_connections) {
                log_line(listeners[i].name + " " + peer + " refused: too many connections");
                ::close(fd);
                continue;
            }
            ++active;
            std::thread(serve, std::cref(listeners[i]), fd, peer, options.connection_cap,
                        std::ref(active))
                .detach();
        }
    }
    log_line("max lifetime reached, exiting");
    std::fflush(stdout);
    std::_Exit(0); // detached connection threads end with the process
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        log_line(std::string("danemon-lab-hostile-tls: ") + e.what());
        return 1;
    }
}
