// The names of lookup outcomes as reports write them, and the name rules (facts.hpp).
#include "danemon/facts/facts.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <string_view>

namespace danemon::facts {

const char* to_string(LookupStatus status) {
    switch (status) {
    case LookupStatus::secure:
        return "secure";
    case LookupStatus::insecure:
        return "insecure";
    case LookupStatus::nodata:
        return "nodata";
    case LookupStatus::nxdomain:
        return "nxdomain";
    case LookupStatus::bogus:
        return "bogus";
    case LookupStatus::error:
        return "error";
    }
    return "error";
}

std::string normalize_name(std::string name) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    while (name.size() > 1 && name.back() == '.')
        name.pop_back();
    if (name == ".") name.clear();
    return name;
}

std::string zone_file_line(const std::string& base, const dane::TlsaRecord& record) {
    return tlsa_owner(base) + ". IN TLSA " + dane::to_presentation(record);
}

std::string tlsa_owner(const std::string& base) {
    return "_25._tcp." + normalize_name(base);
}

bool is_host_name(const std::string& name) {
    if (name.empty() || name.size() > 253) return false;
    std::size_t start = 0;
    bool top_all_digits = false;
    while (start <= name.size()) {
        std::size_t end = name.find('.', start);
        if (end == std::string::npos) end = name.size();
        const std::string_view label(name.data() + start, end - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        top_all_digits = true;
        for (char ch : label) {
            const auto c = static_cast<unsigned char>(ch);
            if (!std::isalnum(c) && c != '-' && c != '_') return false;
            top_all_digits = top_all_digits && std::isdigit(c) != 0;
        }
        start = end + 1;
    }
    return !top_all_digits;
}

bool is_ip_literal(const std::string& text) {
    unsigned char buf[16];
    return inet_pton(AF_INET, text.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

} // namespace danemon::facts
