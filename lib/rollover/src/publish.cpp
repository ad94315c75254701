// Choosing the certificate a TLSA record names: the leaf for DANE-EE(3), the top of the chain
// for DANE-TA(2) (RFC 7671 sections 5.1 and 5.2).
#include "danemon/rollover/publish.hpp"

#include "danemon/dane/certificate.hpp"
#include "danemon/dane/certificate_file.hpp"
#include "danemon/facts/facts.hpp"
#include "danemon/text/text.hpp"

#include <algorithm>

namespace danemon::rollover {

Expected<dane::TlsaRecord> record_for_chain(const std::vector<dane::Bytes>& chain,
                                            std::uint8_t usage, std::uint8_t selector,
                                            std::uint8_t matching) {
    if (chain.empty()) return Error{"no certificate was given"};
    if (usage != dane::usage_dane_ee && usage != dane::usage_dane_ta)
        return Error{"only usages 3 (DANE-EE) and 2 (DANE-TA) are usable for SMTP (RFC 7672 "
                     "section 3.1.3)"};
    if (selector != dane::selector_cert && selector != dane::selector_spki)
        return Error{"the selector must be 1 (public key) or 0 (whole certificate)"};
    if (matching != dane::matching_sha256 && matching != dane::matching_sha512)
        return Error{"the matching type must be 1 (SHA-256) or 2 (SHA-512)"};
    const dane::Bytes* named = &chain.front();
    if (usage == dane::usage_dane_ee) {
        if (auto leaf = dane::check_leaf(chain); !leaf) return Error{leaf.error()};
    } else {
        // DANE-TA names the issuing CA: the last certificate of the file (a full chain ends
        // with it, a certbot chain.pem holds only it). A leaf alone cannot be a trust anchor.
        named = &chain.back();
        if (!dane::is_ca_certificate(*named))
            return Error{"usage 2 (DANE-TA) names the issuing CA, but the last certificate in "
                         "the file is not a CA certificate: give the full chain file "
                         "(fullchain.pem)"};
    }
    auto data = dane::association_data(*named, selector, matching);
    if (!data) return Error{"the certificate could not be parsed"};
    return dane::TlsaRecord{usage, selector, matching, std::move(*data)};
}

PublishableNames publishable_host_names(const dane::Bytes& leaf_der) {
    PublishableNames names;
    const auto summary = dane::summarize(leaf_der);
    if (!summary) return names;
    for (const auto& name : summary->names) {
        // A TLSA owner cannot be a wildcard: each MX host needs its own record.
        if (name.empty() || name.find('*') != std::string::npos) continue;
        std::string host = facts::normalize_name(name);
        if (!facts::is_host_name(host)) {
            names.not_host_names.push_back(text::printable(name));
            continue;
        }
        if (std::find(names.hosts.begin(), names.hosts.end(), host) == names.hosts.end())
            names.hosts.push_back(std::move(host));
    }
    return names;
}

} // namespace danemon::rollover
