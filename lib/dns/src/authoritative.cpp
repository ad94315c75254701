// Asking each authoritative server of a zone directly (RD=0): a record that only some
// servers have is not yet safe to rely on (RFC 6698 appendix A.4, RFC 7671 section 8.1).
#include "danemon/dns/resolver.hpp"

#include <algorithm>

namespace danemon::dns {

std::vector<AuthoritativeTlsa>
ask_authoritative_servers(Resolver& resolver, const std::string& owner,
                          std::chrono::milliseconds timeout, std::uint16_t port,
                          std::optional<std::chrono::steady_clock::time_point> deadline) {
    // The zone cut: the closest enclosing name that has an NS RRset.
    std::string zone = facts::normalize_name(owner);
    facts::Lookup<std::string> servers;
    for (int labels = 0; labels < 128; ++labels) {
        servers = resolver.lookup_ns(zone);
        if (servers.found() && !servers.records.empty()) break;
        if (servers.failed()) return {};
        auto dot = zone.find('.');
        if (zone.empty()) return {};
        zone = dot == std::string::npos ? std::string() : zone.substr(dot + 1);
    }
    std::vector<std::string> names = servers.records;
    std::sort(names.begin(), names.end());
    std::vector<AuthoritativeTlsa> answers;
    for (const auto& name : names) {
        std::vector<std::string> addresses;
        for (auto family : {facts::AddressFamily::ipv4, facts::AddressFamily::ipv6}) {
            auto found = resolver.lookup_addresses(name, family);
            addresses.insert(addresses.end(), found.records.begin(), found.records.end());
        }
        if (addresses.empty()) {
            AuthoritativeTlsa missing;
            missing.server = name;
            missing.tlsa.why = "the name server " + name + " has no address";
            answers.push_back(std::move(missing));
            continue;
        }
        for (const auto& address : addresses) {
            ResolverOptions options;
            options.server = ResolverAddress{address, port};
            options.timeout = timeout;
            options.recursion_desired = false;
            options.deadline = deadline;
            AuthoritativeTlsa answer;
            answer.server = name;
            answer.address = address;
            answer.tlsa = make_ldns_resolver(options)->lookup_tlsa(owner);
            answers.push_back(std::move(answer));
        }
    }
    return answers;
}

} // namespace danemon::dns
