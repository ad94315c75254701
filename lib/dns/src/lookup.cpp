// Names of lookup outcomes as they appear in reports, and name normalization.
#include "danemon/dns/lookup.hpp"

#include "danemon/dns/resolver.hpp"

#include <algorithm>
#include <cctype>

namespace danemon::dns {

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

} // namespace danemon::dns
