// Which certificate an ACME client just renewed, from the arguments and environment it gives
// its hook: certbot, acme.sh, dehydrated, lego (v4 and v5). Pure: the environment is an input.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace danemon::hook {

enum class AcmeClient { certbot, acme_sh, dehydrated, lego };
const char* to_string(AcmeClient client);

struct RenewedCertificate {
    std::string chain_file;           // full chain (leaf first) the MTA will load
    std::vector<std::string> domains; // names the client renewed it for, as it lists them
};

enum class HookOutcome {
    renewed,       // certificates below were renewed: run the gate on each
    nothing_to_do, // a hook call that is not about a deployed certificate (dehydrated's
                   // deploy_challenge, clean_challenge, ...): exit 0, run nothing
    unrecognized,  // no client's arguments or environment, or an incomplete one: message says
};

struct HookInvocation {
    HookOutcome outcome = HookOutcome::unrecognized;
    AcmeClient client = AcmeClient::certbot;      // meaningful unless unrecognized
    std::vector<RenewedCertificate> certificates; // non-empty when renewed
    std::string message;                          // one sentence for nothing_to_do and unrecognized
};

// args: the positional arguments after `danemon hook` (dehydrated passes its own, e.g.
// `deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE CHAINFILE TIMESTAMP`, repeated per
// certificate with HOOK_CHAIN=yes). Empty environment values count as unset.
// Precedence: arguments (dehydrated), then certbot (RENEWED_LINEAGE), acme.sh
// (CERT_FULLCHAIN_PATH, else CERT_PATH; Le_Domain), lego v5 (LEGO_HOOK_CERT_PATH,
// LEGO_HOOK_CERT_DOMAINS or LEGO_HOOK_CERT_NAME), lego v4 (LEGO_CERT_PATH, LEGO_CERT_DOMAIN).
HookInvocation parse_hook_invocation(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env);

} // namespace danemon::hook
