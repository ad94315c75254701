// The alert mail: what is wrong, what senders will do, and the fix, in plain text. Values
// from DNS and certificates are made header-safe here (no CR/LF: no header injection).
#include "danemon/alert/alert.hpp"
#include "danemon/text/text.hpp"

#include <cstdint>
#include <sstream>

namespace danemon::alert {
namespace {

// Printable ASCII only, at most `limit` characters: a header value or a body word.
std::string clean(const std::string& text, std::size_t limit = 200) {
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f)
            out += c;
        else if (c == '\t' || c == '\r' || c == '\n')
            out += ' ';
        else
            out += '?';
        if (out.size() >= limit) break;
    }
    return out;
}

std::string upper(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// Paragraphs stay on one line (so a TLSA record in them can be copied whole) unless they
// approach the 998-octet line limit of RFC 5322 section 2.1.1; then they break at spaces.
void wrap(std::ostringstream& out, const std::string& text) {
    std::istringstream words(clean(text, 20000));
    std::string word, line;
    while (words >> word) {
        while (word.size() > 900) {
            if (!line.empty()) { // the words before it come first
                out << line << "\r\n";
                line.clear();
            }
            out << word.substr(0, 900) << "\r\n";
            word.erase(0, 900);
        }
        if (!line.empty() && line.size() + 1 + word.size() > 900) {
            out << line << "\r\n";
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out << line << "\r\n";
}

// The same for every copy of one alert (a retry after a crash), different for any other:
// FNV-1a over the event's kind, key, severity and time, as 16 hex digits.
std::string identity_hash(const AlertEvent& e) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const std::string& part :
         {std::string(to_string(e.kind)), e.key.domain, e.key.mx, e.key.address, e.key.code,
          std::string(check::to_string(e.severity)), std::to_string(e.at)}) {
        for (const char c : part + '\0') {
            hash ^= static_cast<unsigned char>(c);
            hash *= 1099511628211ULL;
        }
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string text(16, '0');
    for (int i = 15; i >= 0; --i, hash >>= 4)
        text[static_cast<std::size_t>(i)] = digits[hash & 15];
    return text;
}

std::string what_senders_do(const AlertEvent& e) {
    if (e.kind == EventKind::recovered) return "Nothing to do: the problem is gone.";
    if (e.severity == check::Severity::critical)
        return "Senders that enforce DANE (e.g. Comcast, Postfix and Exim with DANE) or that "
               "require TLS 1.2 defer or refuse mail for this host now; mail may queue at the "
               "sender or move to another MX host.";
    return "Mail is delivered today, but DANE is not in effect where it should be, or the next "
           "routine event (a renewal, an expiry) will break delivery.";
}

} // namespace

std::string compose_mail(const AlertEvent& e, const MailHeaders& h) {
    std::ostringstream m;
    std::string to;
    for (const auto& addr : h.to)
        to += (to.empty() ? "" : ", ") + clean(addr);
    std::string state =
        e.kind == EventKind::recovered ? "RECOVERED" : upper(check::to_string(e.severity));
    std::string where = e.key.mx.empty() ? "" : " " + e.key.mx;
    m << "From: danemon <" << clean(h.from) << ">\r\n"
      << "To: " << to << "\r\n"
      << "Subject: " << clean("[danemon] " + state + " " + e.key.domain + ": " + e.key.code + where)
      << "\r\n"
      << "Date: " << text::utc_text(e.at, text::UtcStyle::rfc5322) << "\r\n"
      << "Message-ID: <" << e.at << "." << identity_hash(e) << ".danemon@"
      << clean(h.host_name.empty() ? "localhost" : h.host_name) << ">\r\n"
      << "Auto-Submitted: auto-generated\r\n"
      << "MIME-Version: 1.0\r\n"
      << "Content-Type: text/plain; charset=us-ascii\r\n"
      << "Content-Transfer-Encoding: 7bit\r\n"
      << "X-Danemon-Event: " << to_string(e.kind) << "\r\n"
      << "\r\n";
    if (e.kind == EventKind::recovered)
        m << "Recovered: a problem with mail delivery to " << clean(e.key.domain)
          << " is gone.\r\n\r\n";
    else if (e.kind == EventKind::reminder)
        m << "Reminder: this problem with mail delivery to " << clean(e.key.domain)
          << " persists.\r\n\r\n";
    else
        m << "danemon found a " << (e.kind == EventKind::worse ? "worse" : "new")
          << " problem with mail delivery to " << clean(e.key.domain) << ".\r\n\r\n";
    m << "Domain:   " << clean(e.key.domain) << "\r\n";
    if (!e.key.mx.empty()) m << "MX host:  " << clean(e.key.mx) << "\r\n";
    if (!e.key.address.empty()) m << "Address:  " << clean(e.key.address) << "\r\n";
    m << "Problem:  " << clean(e.key.code) << " (" << check::to_string(e.severity) << ")\r\n\r\n";
    wrap(m, e.message);
    m << "\r\n";
    wrap(m, what_senders_do(e));
    m << "\r\nCheck again: danemon check " << clean(e.key.domain) << "\r\n";
    return m.str();
}

} // namespace danemon::alert
