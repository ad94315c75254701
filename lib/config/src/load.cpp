// Reading danemon.yaml: walks the YAML tree, looks every key up in the settings table,
// checks type and bounds and stores the value. Every problem becomes one ConfigError
// sentence naming the YAML path and line.
#include "danemon/check/codes.hpp"
#include "danemon/config/config.hpp"
#include "danemon/dns/resolver.hpp"
#include "danemon/localfile/read.hpp"
#include "danemon/text/text.hpp"
#include "settings.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <set>
#include <sstream>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace danemon::config {
namespace {

// One line of printable text: keys, values and yaml-cpp's messages may carry any byte of
// the file (found by fuzzing: a NUL in a value made the message two lines).
std::string one_line(const std::string& text) {
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u != 0x7f) {
            out += c;
        } else {
            static const char digits[] = "0123456789abcdef";
            out += "\\x";
            out += digits[u >> 4];
            out += digits[u & 15];
        }
    }
    return out;
}

std::string compose(const std::string& path, int line, const std::string& message,
                    const std::string& hint) {
    std::string out = path.empty() ? message : path + ": " + message;
    if (line > 0) out += " (line " + std::to_string(line) + ")";
    if (!hint.empty()) out += "; " + hint;
    return one_line(out);
}

} // namespace

ConfigError::ConfigError(std::string path, int line, const std::string& message,
                         const std::string& hint)
    : std::runtime_error(compose(path, line, message, hint))
    , path_(std::move(path))
    , line_(line) {}

namespace {

using detail::Kind;
using detail::Setting;
using detail::Value;

int line_of(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    return mark.is_null() ? 0 : mark.line + 1;
}

// "a list", "a map", "nothing" or the scalar in quotes: what the user wrote instead.
std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Sequence:
        return "a list";
    case YAML::NodeType::Map:
        return "a map";
    case YAML::NodeType::Scalar:
        return "'" + node.Scalar() + "'";
    default:
        return "nothing";
    }
}

std::string suggestion(std::string_view key, const std::vector<std::string>& candidates) {
    const std::string best =
        text::nearest(key, std::vector<std::string_view>(candidates.begin(), candidates.end()), 1);
    return best.empty() ? "" : "did you mean '" + best + "'?";
}

bool is_label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Lower case, no trailing dot; "" when text is not a DNS name.
std::string normalize_domain(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    if (!text.empty() && text.back() == '.') text.pop_back();
    if (text.empty() || text.size() > 253) return "";
    std::size_t label = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '.') {
            if (label == 0 || label > 63) return "";
            if (text[i - 1] == '-' || text[i - label] == '-') return "";
            label = 0;
        } else if (!is_label_char(text[i])) {
            return "";
        } else {
            ++label;
        }
    }
    return text;
}

bool is_address(const std::string& text) {
    const auto at = text.find('@');
    if (at == 0 || at == std::string::npos || text.find('@', at + 1) != std::string::npos)
        return false;
    for (std::size_t i = 0; i < at; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c <= ' ' || c >= 0x7f || std::strchr("<>()[]\\,;:\"", c) != nullptr) return false;
    }
    const std::string domain = normalize_domain(text.substr(at + 1));
    return !domain.empty() && domain.find('.') != std::string::npos;
}

bool parse_port_text(const std::string& text) {
    if (text.empty() || text.size() > 5 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        return false;
    const int port = std::stoi(text);
    return port >= 1 && port <= 65535;
}

bool is_listen_address(const std::string& text) {
    unsigned char buf[16];
    if (parse_port_text(text)) return true;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find("]:");
        if (close == std::string::npos) return false;
        return inet_pton(AF_INET6, text.substr(1, close - 1).c_str(), buf) == 1 &&
               parse_port_text(text.substr(close + 2));
    }
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    return inet_pton(AF_INET, text.substr(0, colon).c_str(), buf) == 1 &&
           parse_port_text(text.substr(colon + 1));
}

class Loader {
public:
    explicit Loader(std::string source)
        : source_(std::move(source)) {}

    Config run(const YAML::Node& root) {
        if (root.IsNull()) throw ConfigError("domains", 0, "at least one domain is required");
        if (!root.IsMap())
            throw ConfigError(source_, line_of(root),
                              "expected a map of settings, got " + describe(root));
        for (const Setting& s : detail::settings()) {
            if (s.kind == Kind::boolean) flags_[std::string(s.key)] = s.default_text == "true";
        }
        DomainConfig unused;
        walk(root, "", "", unused);
        if (config_.domains.empty())
            throw ConfigError("domains", lines_.count("domains") ? lines_["domains"] : 0,
                              "at least one domain is required");
        for (const Setting& s : detail::settings()) {
            if (s.required_when.empty()) continue;
            const std::string key(s.key), when(s.required_when);
            if (!flags_[when] || filled_[key]) continue;
            const int line = lines_.count(key) ? lines_[key] : lines_[when];
            throw ConfigError(key, line, "required when " + when + " is true");
        }
        return std::move(config_);
    }

private:
    // The keys the table allows in a map whose settings start with table_prefix.
    static std::vector<std::string> children(std::string_view table_prefix) {
        std::vector<std::string> names;
        for (const Setting& s : detail::settings()) {
            if (!s.key.starts_with(table_prefix)) continue;
            std::string_view rest = s.key.substr(table_prefix.size());
            if (rest.find("[]") != std::string_view::npos) continue;
            std::string name(rest.substr(0, rest.find('.')));
            if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        }
        return names;
    }

    static const Setting* find_setting(std::string_view key) {
        for (const Setting& s : detail::settings()) {
            if (s.key == key) return &s;
        }
        return nullptr;
    }

    // One YAML map: path_prefix names it in messages ("alerts.", "domains[2]."),
    // table_prefix in the table ("alerts.", "domains[].").
    void walk(const YAML::Node& map, const std::string& table_prefix,
              const std::string& path_prefix, DomainConfig& domain) {
        const std::vector<std::string> names = children(table_prefix);
        std::set<std::string> seen;
        for (const auto& entry : map) {
            const YAML::Node& key_node = entry.first;
            const YAML::Node& value = entry.second;
            const int line = line_of(key_node);
            if (!key_node.IsScalar())
                throw ConfigError(
                    path_prefix.empty() ? source_ : path_prefix.substr(0, path_prefix.size() - 1),
                    line, "keys must be names, got " + describe(key_node));
            const std::string name = key_node.Scalar();
            const std::string path = path_prefix + name;
            if (std::find(names.begin(), names.end(), name) == names.end())
                throw ConfigError(path, line, "unknown key", suggestion(name, names));
            if (!seen.insert(name).second) throw ConfigError(path, line, "given twice");
            const std::string table_key = table_prefix + name;
            if (const Setting* s = find_setting(table_key)) {
                lines_[table_key] = line;
                Value v = read(*s, value, path, line);
                if (s->kind == Kind::boolean) flags_[table_key] = v.flag;
                filled_[table_key] = !v.list.empty();
                s->apply(config_, domain, std::move(v));
            } else if (value.IsMap()) {
                walk(value, table_key + ".", path + ".", domain);
            } else if (!value.IsNull()) {
                throw ConfigError(path, line, "expected a map, got " + describe(value));
            }
        }
    }

    static std::string scalar(const YAML::Node& node, const std::string& path, int line,
                              const char* expected) {
        if (!node.IsScalar())
            throw ConfigError(path, line,
                              std::string("expected ") + expected + ", got " + describe(node));
        return node.Scalar();
    }

    // Text or "" for a missing value ("key:" with nothing after it).
    static std::string optional_scalar(const YAML::Node& node, const std::string& path, int line,
                                       const char* expected) {
        if (node.IsNull()) return "";
        return scalar(node, path, line, expected);
    }

    static std::int64_t number(const Setting& s, const YAML::Node& node, const std::string& path,
                               int line) {
        const std::string text = scalar(node, path, line, "an integer");
        std::int64_t n = 0;
        const char* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(text.data(), end, n);
        if (ptr != end || text.empty()) {
            throw ConfigError(path, line, "expected an integer, got " + describe(node));
        }
        if (ec == std::errc::result_out_of_range)
            throw ConfigError(path, line,
                              text + " is " +
                                  (text[0] == '-' ? "below the minimum " + std::to_string(s.min)
                                                  : "above the maximum " + std::to_string(s.max)));
        if (n < s.min)
            throw ConfigError(path, line, text + " is below the minimum " + std::to_string(s.min));
        if (n > s.max)
            throw ConfigError(path, line, text + " is above the maximum " + std::to_string(s.max));
        return n;
    }

    static std::int64_t duration(const Setting& s, const YAML::Node& node, const std::string& path,
                                 int line) {
        const char* expected = "a duration like 90s, 15m, 1h or 2d";
        const std::string text = scalar(node, path, line, expected);
        std::int64_t n = 0;
        const char* begin = text.data();
        const char* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(begin, end, n);
        std::int64_t unit = 1;
        if (ptr == end - 1) {
            switch (*ptr) {
            case 's':
                unit = 1;
                break;
            case 'm':
                unit = 60;
                break;
            case 'h':
                unit = 3600;
                break;
            case 'd':
                unit = 86400;
                break;
            default:
                ptr = begin;
                break;
            }
            if (ptr != begin) ++ptr;
        }
        if (ptr != end || ptr == begin || text[0] == '-' || text[0] == '+')
            throw ConfigError(path, line,
                              std::string("expected ") + expected + ", got " + describe(node));
        if (ec == std::errc::result_out_of_range || n > s.max / unit)
            throw ConfigError(path, line,
                              text + " is above the maximum " + detail::format_duration(s.max));
        const std::int64_t seconds = n * unit;
        if (seconds < s.min)
            throw ConfigError(path, line,
                              text + " is below the minimum " + detail::format_duration(s.min));
        return seconds;
    }

    static std::vector<std::pair<std::string, int>>
    string_list(const YAML::Node& node, const std::string& path, int line, const char* what) {
        std::vector<std::pair<std::string, int>> out;
        if (node.IsNull()) return out;
        if (!node.IsSequence())
            throw ConfigError(
                path, line, std::string("expected a list of ") + what + ", got " + describe(node));
        std::size_t i = 0;
        for (const auto& item : node) {
            const std::string item_path = path + "[" + std::to_string(i++) + "]";
            const int item_line = line_of(item) ? line_of(item) : line;
            out.emplace_back(scalar(item, item_path, item_line, "a string"), item_line);
        }
        return out;
    }

    // address_list and command: a list of strings, each checked.
    static void read_list(const Setting& s, const YAML::Node& node, const std::string& path,
                          int line, Value& v) {
        if (s.kind == Kind::address_list) {
            std::size_t i = 0;
            for (auto& [text, item_line] : string_list(node, path, line, "addresses")) {
                if (!is_address(text))
                    throw ConfigError(path + "[" + std::to_string(i) + "]", item_line,
                                      "'" + text + "' is not an address");
                v.list.push_back(text);
                ++i;
            }
            return;
        }
        for (auto& [text, item_line] : string_list(node, path, line, "strings")) {
            if (v.list.empty() && (text.empty() || text.front() != '/'))
                throw ConfigError(path + "[0]", item_line,
                                  "'" + text + "' is not an absolute path");
            v.list.push_back(text);
        }
    }

    // resolver, listen, domain_name and helo_name: one string in a syntax of its own.
    static void read_name(const Setting& s, const YAML::Node& node, const std::string& path,
                          int line, Value& v) {
        switch (s.kind) {
        case Kind::resolver:
            v.text = optional_scalar(node, path, line, "auto, embedded or ADDR[:PORT]");
            if (auto choice = dns::parse_resolver_choice(v.text); !choice)
                throw ConfigError(path, line, choice.error());
            break;
        case Kind::listen:
            v.text = optional_scalar(node, path, line, "PORT, ADDR:PORT or [V6]:PORT");
            if (!v.text.empty() && !is_listen_address(v.text))
                throw ConfigError(path, line,
                                  "'" + v.text + "' is not PORT, ADDR:PORT or [V6]:PORT");
            break;
        case Kind::domain_name: {
            auto name = dns::parse_mail_domain(scalar(node, path, line, "a domain name"));
            if (!name) throw ConfigError(path, line, name.error());
            v.text = std::move(*name);
            break;
        }
        case Kind::helo_name: {
            v.text = optional_scalar(node, path, line, "a host name");
            if (v.text.empty()) break;
            auto name = dns::parse_helo_name(v.text);
            if (!name) throw ConfigError(path, line, name.error());
            v.text = std::move(*name);
            break;
        }
        default:
            break;
        }
    }

    Value read(const Setting& s, const YAML::Node& node, const std::string& path, int line) {
        Value v;
        switch (s.kind) {
        case Kind::boolean: {
            const std::string text = scalar(node, path, line, "true or false");
            if (!YAML::convert<bool>::decode(node, v.flag))
                throw ConfigError(path, line, "expected true or false, got " + describe(node));
            (void)text;
            break;
        }
        case Kind::integer:
        case Kind::port:
            v.number = number(s, node, path, line);
            break;
        case Kind::duration:
            v.number = duration(s, node, path, line);
            break;
        case Kind::string:
            v.text = optional_scalar(node, path, line, "a string");
            break;
        case Kind::choice: {
            v.text = scalar(node, path, line, "a string");
            const std::string choices = "|" + std::string(s.choices) + "|";
            if (v.text.empty() || choices.find("|" + v.text + "|") == std::string::npos)
                throw ConfigError(path, line,
                                  "'" + v.text + "' is not one of " + detail::bounds_text(s));
            break;
        }
        case Kind::address:
            v.text = optional_scalar(node, path, line, "an address");
            if (!v.text.empty() && !is_address(v.text))
                throw ConfigError(path, line, "'" + v.text + "' is not an address");
            break;
        case Kind::address_list:
        case Kind::command:
            read_list(s, node, path, line, v);
            break;
        case Kind::resolver:
        case Kind::listen:
        case Kind::domain_name:
        case Kind::helo_name:
            read_name(s, node, path, line, v);
            break;
        case Kind::absolute_path:
        case Kind::optional_path:
            v.text = optional_scalar(node, path, line, "a path");
            if (v.text.empty() && s.kind == Kind::absolute_path)
                throw ConfigError(path, line, "an absolute path is required");
            if (!v.text.empty() && v.text.front() != '/')
                throw ConfigError(path, line, "'" + v.text + "' is not an absolute path");
            break;
        case Kind::domain_list:
            read_domains(node, path, line, v);
            break;
        case Kind::cert_map:
            read_certs(node, path, line, v);
            break;
        case Kind::severity_map:
            read_severities(node, path, line, v);
            break;
        }
        return v;
    }

    void read_domains(const YAML::Node& node, const std::string& path, int line, Value& v) {
        if (node.IsNull()) return;
        if (!node.IsSequence())
            throw ConfigError(path, line, "expected a list of domains, got " + describe(node));
        const Setting* name_setting = find_setting("domains[].name");
        std::set<std::string> names; // a hosting provider lists 100,000: no quadratic scan
        std::size_t i = 0;
        for (const auto& item : node) {
            const std::string item_path = path + "[" + std::to_string(i++) + "]";
            const int item_line = line_of(item) ? line_of(item) : line;
            DomainConfig domain;
            if (item.IsScalar()) {
                domain.name = read(*name_setting, item, item_path, item_line).text;
            } else if (item.IsMap()) {
                walk(item, std::string(detail::domain_prefix), item_path + ".", domain);
                if (domain.name.empty())
                    throw ConfigError(item_path + ".name", item_line, "required");
            } else {
                throw ConfigError(item_path, item_line,
                                  "expected a domain name or a map, got " + describe(item));
            }
            if (!names.insert(domain.name).second)
                throw ConfigError(item_path, item_line, domain.name + " is listed twice");
            v.domains.push_back(std::move(domain));
        }
    }

    static void read_certs(const YAML::Node& node, const std::string& path, int line, Value& v) {
        if (node.IsNull()) return;
        if (!node.IsMap())
            throw ConfigError(path, line,
                              "expected a map of MX host -> certificate files, got " +
                                  describe(node));
        for (const auto& entry : node) {
            const int key_line = line_of(entry.first) ? line_of(entry.first) : line;
            const std::string host_text =
                scalar(entry.first, path, key_line, "an MX host name as key");
            const std::string host_path = path + "." + host_text;
            const std::string host = normalize_domain(host_text);
            if (host.empty())
                throw ConfigError(host_path, key_line, "'" + host_text + "' is not a host name");
            if (v.certs.count(host))
                throw ConfigError(host_path, key_line, host + " is listed twice");
            auto files = string_list(entry.second, host_path, key_line, "certificate files");
            if (files.empty())
                throw ConfigError(host_path, key_line, "at least one certificate file is required");
            auto& list = v.certs[host];
            for (auto& [file, file_line] : files) {
                if (file.empty()) throw ConfigError(host_path, file_line, "empty file name");
                if (file.front() != '/')
                    throw ConfigError(host_path, file_line,
                                      "'" + file + "' is not an absolute path");
                // What can be seen now is refused now (a directory given for its fullchain.pem,
                // a FIFO, a device); a missing or unreadable file is reported at each check.
                if (const auto kind = localfile::non_regular_kind(file)) {
                    const bool dir = *kind == "a directory";
                    std::string in = file;
                    while (in.size() > 1 && in.back() == '/')
                        in.pop_back();
                    throw ConfigError(host_path, file_line,
                                      "'" + file + "' is " + *kind + ", not a certificate file",
                                      dir ? "name the file in it, e.g. " + in + "/fullchain.pem"
                                          : "");
                }
                list.push_back(file);
            }
        }
    }

    static void read_severities(const YAML::Node& node, const std::string& path, int line,
                                Value& v) {
        if (node.IsNull()) return;
        if (!node.IsMap())
            throw ConfigError(path, line,
                              "expected a map of problem code -> level, got " + describe(node));
        for (const auto& entry : node) {
            const int key_line = line_of(entry.first) ? line_of(entry.first) : line;
            const std::string code = scalar(entry.first, path, key_line, "a problem code as key");
            const std::string code_path = path + "." + code;
            const check::CodeInfo* info = check::find_code(code);
            if (info == nullptr)
                throw ConfigError(code_path, key_line, "unknown problem code",
                                  check::unknown_code_hint(code));
            const std::string level = scalar(entry.second, code_path, key_line, "a level");
            const auto severity = check::severity_from_string(level);
            if (!severity)
                throw ConfigError(code_path, key_line,
                                  "'" + level + "' is not one of info, warning, critical, off");
            if (!v.severities.emplace(info->code, *severity).second)
                throw ConfigError(code_path, key_line, "given twice");
        }
    }

    std::string source_;
    Config config_;
    std::map<std::string, bool> flags_;  // boolean settings: default, then as given
    std::map<std::string, int> lines_;   // line of each given setting
    std::map<std::string, bool> filled_; // list settings given with at least one item
};

// Counts the documents of a YAML stream and notes where each starts; builds nothing.
class DocumentCounter : public YAML::EventHandler {
public:
    std::vector<YAML::Mark> starts;

    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

// danemon reads exactly one document. YAML::LoadAll is not used to find that out: on a
// stray flow indicator (the two bytes ",a", found by fuzzing) yaml-cpp 0.7 yields empty
// documents forever without consuming input, and LoadAll collects them until memory runs
// out. Here documents are only counted, and one that starts where the one before did
// means the parser is stuck on the byte there: every round consumes input, so the loop
// ends within the file's length.
void require_one_document(std::string_view yaml, const std::string& source) {
    std::istringstream stream{std::string(yaml)};
    YAML::Parser parser(stream);
    DocumentCounter counter;
    while (parser.HandleNextDocument(counter)) {
        const auto n = counter.starts.size();
        if (n < 2 || counter.starts[n - 1].pos > counter.starts[n - 2].pos) continue;
        const YAML::Mark& stuck = counter.starts[n - 1];
        const auto at = static_cast<std::size_t>(stuck.pos);
        const std::string what =
            at < yaml.size() ? "'" + std::string(1, yaml[at]) + "'" : "end of the file";
        throw ConfigError(source, stuck.line + 1,
                          "unexpected " + what + " at column " + std::to_string(stuck.column + 1) +
                              ", which starts no YAML value",
                          "a ',' belongs inside [ ] or { }");
    }
    if (counter.starts.size() > 1)
        throw ConfigError(source, counter.starts[1].line + 1,
                          "the file holds " + std::to_string(counter.starts.size()) +
                              " YAML documents (separated by ---), danemon reads exactly one",
                          "merge them into one");
}

} // namespace

Config parse_config(std::string_view yaml, const std::string& source) {
    try {
        require_one_document(yaml, source);
        return Loader(source).run(YAML::Load(std::string(yaml)));
    } catch (const ConfigError&) {
        throw;
    } catch (const YAML::Exception& e) {
        throw ConfigError(source, e.mark.is_null() ? 0 : e.mark.line + 1, e.msg);
    } catch (const std::exception& e) {
        throw ConfigError(source, 0, e.what());
    }
}

Config load_config(const std::string& path) {
    // A FIFO or a device named as the configuration must not hang danemon, nor /dev/zero
    // fill its memory: regular files only, up to 4 MB.
    auto text = localfile::read_regular_file(path, localfile::config_file);
    if (!text) throw ConfigError("", 0, text.error());
    return parse_config(*text, path);
}

} // namespace danemon::config
