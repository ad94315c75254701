// The example configuration (config/danemon.yaml) and the Markdown settings reference, both
// written from the settings table.
#include "danemon/config/config.hpp"
#include "settings.hpp"

#include <sstream>

namespace danemon::config {
namespace {

using detail::Kind;
using detail::Setting;

// Help text as "# " comment lines of at most about 90 columns. The first line starts with
// "# " + lead, the others with "# " + hang.
void comment(std::ostringstream& out, const std::string& indent, std::string_view text,
             const std::string& lead = "", const std::string& hang = "") {
    std::string line = lead;
    bool empty = true; // no word on this line yet
    while (!text.empty()) {
        auto space = text.find(' ');
        std::string_view word = text.substr(0, space);
        text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
        if (!empty && indent.size() + line.size() + word.size() > 86) {
            out << indent << "# " << line << "\n";
            line = hang;
            empty = true;
        }
        if (!empty) line += ' ';
        line += word;
        empty = false;
    }
    if (!empty) out << indent << "# " << line << "\n";
}

std::string bounds_note(const Setting& s) {
    const std::string bounds = detail::bounds_text(s);
    if (s.kind != Kind::integer && s.kind != Kind::duration && s.kind != Kind::port) return "";
    return " Allowed: " + bounds + ".";
}

std::string markdown_cell(std::string text) {
    std::string out;
    for (char c : text) {
        if (c == '|') out += '\\';
        out += c;
    }
    return out;
}

} // namespace

std::string example_config() {
    std::ostringstream out;
    out << "# danemon configuration (/etc/danemon/danemon.yaml).\n"
           "# Check it with: danemon config check /etc/danemon/danemon.yaml\n"
           "# Durations: 90s, 15m, 1h, 2d or a number of seconds. Every setting but domains\n"
           "# is shown with its default value.\n";
    std::vector<std::string> open; // the sections the previous setting was in
    for (const Setting& s : detail::settings()) {
        if (s.key.starts_with(detail::domain_prefix)) continue;
        std::vector<std::string> parts;
        std::string_view rest = s.key;
        for (auto dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
            parts.emplace_back(rest.substr(0, dot));
            rest = rest.substr(dot + 1);
        }
        std::size_t common = 0;
        while (common < parts.size() && common < open.size() && parts[common] == open[common])
            ++common;
        out << "\n";
        for (std::size_t i = common; i < parts.size(); ++i)
            out << std::string(2 * i, ' ') << parts[i] << ":\n";
        open = parts;
        const std::string indent(2 * parts.size(), ' ');
        if (s.kind == Kind::domain_list) {
            comment(out, indent, s.help);
            for (const Setting& d : detail::settings()) {
                if (!d.key.starts_with(detail::domain_prefix)) continue;
                std::string note = std::string(d.key.substr(detail::domain_prefix.size())) + ": " +
                                   std::string(d.help);
                if (!d.default_text.empty() && d.kind == Kind::port)
                    note += " Default " + std::string(d.default_text) + ".";
                note += bounds_note(d);
                comment(out, indent, note, "  ", "    ");
            }
            out << indent << "domains:\n"
                << indent << "  - example.org\n"
                << indent << "  - name: example.net\n"
                << indent << "    port: 25\n"
                << indent << "    interval: 30m\n"
                << indent << "    local_certs:\n"
                << indent << "      mx1.example.net:\n"
                << indent << "        - /etc/ssl/mx1.example.net/fullchain.pem\n";
            continue;
        }
        std::string help(s.help);
        const std::string bounds = detail::bounds_text(s);
        if (s.kind == Kind::integer || s.kind == Kind::duration || s.kind == Kind::port)
            help += " Allowed: " + bounds + ".";
        if (s.kind == Kind::choice) help += " One of: " + bounds + ".";
        comment(out, indent, help);
        out << indent << rest << ": " << s.default_text << "\n";
    }
    return out.str();
}

std::string settings_reference_markdown() {
    std::ostringstream out;
    out << "| Key | Type | Default | Bounds | Meaning |\n"
           "|-----|------|---------|--------|---------|\n";
    for (const Setting& s : detail::settings()) {
        std::string def(s.default_text);
        if (def == "\"\"") def = "(empty)";
        out << "| `" << s.key << "` | " << markdown_cell(detail::type_name(s)) << " | "
            << (def.empty() ? "" : "`") << markdown_cell(def) << (def.empty() ? "" : "`") << " | "
            << markdown_cell(detail::bounds_text(s)) << " | " << markdown_cell(std::string(s.help))
            << " |\n";
    }
    return out.str();
}

} // namespace danemon::config
