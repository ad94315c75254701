// Reading an ACME client's hook invocation. Each client documents what its hook receives:
// certbot --deploy-hook (RENEWED_LINEAGE, RENEWED_DOMAINS), acme.sh --reloadcmd (CERT_PATH,
// CERT_FULLCHAIN_PATH, Le_Domain), dehydrated's hook script arguments, lego --run-hook /
// --renew-hook (v4: LEGO_CERT_*, v5: LEGO_HOOK_CERT_*).
#include "danemon/hook/renewal.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace danemon::hook {
namespace {

using Environment = std::map<std::string, std::string>;

std::string value(const Environment& env, const std::string& name) {
    const auto found = env.find(name);
    return found == env.end() ? std::string() : found->second;
}

std::vector<std::string> split(const std::string& text, std::string_view separators) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find_first_of(separators, start);
        const std::size_t stop = end == std::string::npos ? text.size() : end;
        if (stop > start) parts.push_back(text.substr(start, stop - start));
        start = stop + 1;
    }
    return parts;
}

HookInvocation renewed(AcmeClient client, std::vector<RenewedCertificate> certificates) {
    HookInvocation invocation;
    invocation.outcome = HookOutcome::renewed;
    invocation.client = client;
    invocation.certificates = std::move(certificates);
    return invocation;
}

HookInvocation unrecognized(std::string message) {
    HookInvocation invocation;
    invocation.message = std::move(message);
    return invocation;
}

// Hook names dehydrated calls besides deploy_cert; none of them deploys a certificate.
constexpr std::array<std::string_view, 11> dehydrated_other_hooks{
    "deploy_challenge",
    "clean_challenge",
    "sync_cert",
    "deploy_ocsp",
    "unchanged_cert",
    "invalid_challenge",
    "request_failure",
    "generate_csr",
    "startup_hook",
    "exit_hook",
    "this_hookscript_is_broken__dehydrated_is_working_fine__please_ignore_unknown_hooks_in_"
    "your_script"};

HookInvocation from_dehydrated(const std::vector<std::string>& args) {
    const std::string& hook = args.front();
    if (hook != "deploy_cert") {
        if (std::find(dehydrated_other_hooks.begin(), dehydrated_other_hooks.end(), hook) !=
            dehydrated_other_hooks.end()) {
            HookInvocation invocation;
            invocation.outcome = HookOutcome::nothing_to_do;
            invocation.client = AcmeClient::dehydrated;
            invocation.message = "dehydrated's " + hook +
                                 " hook deploys no certificate: nothing "
                                 "to do.";
            return invocation;
        }
        return unrecognized("'" + hook +
                            "' is neither a dehydrated hook name nor anything else danemon hook "
                            "understands as an argument.");
    }
    // deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE CHAINFILE TIMESTAMP, once per
    // certificate (dehydrated's HOOK_CHAIN=yes passes several in one call).
    constexpr std::size_t per_certificate = 6;
    const std::size_t rest = args.size() - 1;
    if (rest == 0 || rest % per_certificate != 0)
        return unrecognized("dehydrated's deploy_cert hook needs DOMAIN KEYFILE CERTFILE "
                            "FULLCHAINFILE CHAINFILE TIMESTAMP, got " +
                            std::to_string(rest) + " argument(s).");
    std::vector<RenewedCertificate> certificates;
    for (std::size_t at = 1; at < args.size(); at += per_certificate) {
        const std::string& domain = args[at];
        const std::string& fullchain = args[at + 3];
        if (domain.empty() || fullchain.empty())
            return unrecognized("dehydrated's deploy_cert hook gave an empty DOMAIN or "
                                "FULLCHAINFILE.");
        certificates.push_back({fullchain, {domain}});
    }
    return renewed(AcmeClient::dehydrated, std::move(certificates));
}

} // namespace

const char* to_string(AcmeClient client) {
    switch (client) {
    case AcmeClient::certbot:
        return "certbot";
    case AcmeClient::acme_sh:
        return "acme.sh";
    case AcmeClient::dehydrated:
        return "dehydrated";
    case AcmeClient::lego:
        return "lego";
    }
    return "unknown";
}

HookInvocation parse_hook_invocation(const std::vector<std::string>& args, const Environment& env) {
    if (!args.empty()) return from_dehydrated(args);

    // certbot --deploy-hook: RENEWED_LINEAGE is the live directory of the lineage.
    const std::string lineage = value(env, "RENEWED_LINEAGE");
    const std::string certbot_domains = value(env, "RENEWED_DOMAINS");
    if (!lineage.empty()) {
        std::string directory = lineage;
        while (directory.size() > 1 && directory.back() == '/')
            directory.pop_back();
        return renewed(AcmeClient::certbot,
                       {{directory + "/fullchain.pem", split(certbot_domains, " \t\n")}});
    }
    if (!certbot_domains.empty())
        return unrecognized("certbot set RENEWED_DOMAINS but not RENEWED_LINEAGE: run danemon "
                            "hook as a certbot --deploy-hook, not a --post-hook.");

    // acme.sh --reloadcmd: the full chain when acme.sh has one, else the leaf.
    const std::string acme_fullchain = value(env, "CERT_FULLCHAIN_PATH");
    const std::string acme_cert = value(env, "CERT_PATH");
    const std::string acme_domain = value(env, "Le_Domain");
    if (!acme_fullchain.empty() || !acme_cert.empty()) {
        std::vector<std::string> domains;
        if (!acme_domain.empty()) domains.push_back(acme_domain);
        return renewed(AcmeClient::acme_sh,
                       {{acme_fullchain.empty() ? acme_cert : acme_fullchain, domains}});
    }
    if (!acme_domain.empty())
        return unrecognized("acme.sh set Le_Domain but neither CERT_FULLCHAIN_PATH nor "
                            "CERT_PATH: run danemon hook from --reloadcmd.");

    // lego v5 renamed the hook variables to LEGO_HOOK_*; v4 used LEGO_CERT_*. The .crt
    // file holds the issuer too unless lego ran with --no-bundle.
    const std::string lego5_path = value(env, "LEGO_HOOK_CERT_PATH");
    if (!lego5_path.empty()) {
        std::vector<std::string> domains = split(value(env, "LEGO_HOOK_CERT_DOMAINS"), ", ");
        if (domains.empty() && !value(env, "LEGO_HOOK_CERT_NAME").empty())
            domains.push_back(value(env, "LEGO_HOOK_CERT_NAME"));
        return renewed(AcmeClient::lego, {{lego5_path, domains}});
    }
    const std::string lego4_path = value(env, "LEGO_CERT_PATH");
    if (!lego4_path.empty()) {
        std::vector<std::string> domains;
        if (!value(env, "LEGO_CERT_DOMAIN").empty())
            domains.push_back(value(env, "LEGO_CERT_DOMAIN"));
        return renewed(AcmeClient::lego, {{lego4_path, domains}});
    }
    if (!value(env, "LEGO_CERT_DOMAIN").empty() || !value(env, "LEGO_HOOK_CERT_NAME").empty())
        return unrecognized("lego set the certificate's domain but not its path "
                            "(LEGO_HOOK_CERT_PATH or LEGO_CERT_PATH).");

    return unrecognized("No renewed certificate found: danemon hook expects the environment of "
                        "a certbot deploy hook, an acme.sh reloadcmd or a lego run/renew hook, "
                        "or dehydrated's hook arguments.");
}

} // namespace danemon::hook
