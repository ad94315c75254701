// The commands for publishing and rolling keys: tlsa (the records for a certificate file),
// precheck (may this renewed certificate go live now without DANE senders refusing it? see
// README "Rolling a key without breaking DANE") and hook (that gate, called by an ACME
// client's hook). The work is lib/command's.
#include "cli.hpp"

namespace danemon::cli {
void add_tlsa_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<command::TlsaRequest>();
    CLI::App* cmd = app.add_subcommand(
        "tlsa", "Print the TLSA record(s) to publish for a certificate or chain file, in "
                "zone-file syntax (_25._tcp.MXHOST. IN TLSA 3 1 1 HEX).");
    cmd->footer(
        "Without --host, one line is printed for each DNS name of the certificate (its "
        "subjectAltNames, else its CN; wildcards are skipped): keep the lines of your MX "
        "hosts.\nWith --usage 2 the record names the last certificate of the file (the issuing "
        "CA of a full chain), not the leaf.\nExit status: 0 printed, 3 bad input.\n"
        "Example: danemon tlsa --cert /etc/letsencrypt/live/mx.example.org/fullchain.pem "
        "--host mx.example.org");
    cmd->add_option("--cert", args->cert, "Certificate or chain file (PEM, leaf first; or DER)")
        ->required()
        ->type_name("FILE");
    cmd->add_option("--usage", args->usage, "3 = DANE-EE (the server's own key), 2 = DANE-TA")
        ->check(CLI::IsMember({3, 2}))
        ->capture_default_str();
    cmd->add_option("--selector", args->selector,
                    "1 = public key (survives renewal with the same key), 0 = whole certificate")
        ->check(CLI::IsMember({1, 0}))
        ->capture_default_str();
    cmd->add_option("--matching", args->matching, "1 = SHA-256, 2 = SHA-512")
        ->check(CLI::IsMember({1, 2}))
        ->capture_default_str();
    cmd->add_option("--host", args->hosts, "MX host name(s) that serve this certificate")
        ->type_name("MXHOST")
        ->check(host_name());
    runs(*cmd, run, args, command::run_tlsa);
}

void add_precheck_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<command::PrecheckRequest>();
    CLI::App* cmd = app.add_subcommand(
        "precheck", "Before deploying a renewed certificate: does the published, DNSSEC-secure "
                    "TLSA RRset already vouch for its key (and still for the served one), on every "
                    "authoritative server, for at least two TTLs?");
    cmd->footer("Exit status: 0 safe to deploy, 2 not yet (each reason, the record to publish and "
                "the earliest safe time are printed), 3 bad input.\nA run without --now notes the "
                "published "
                "records' first-seen times in the state directory (the 2 x TTL clock); a dry run "
                "with --now only judges.\nExample: danemon precheck "
                "--cert /etc/letsencrypt/live/mx.example.org/fullchain.pem");
    cmd->add_option("--cert", args->cert, "The renewed certificate or full chain (PEM)")
        ->required()
        ->check(non_empty_path());
    cmd->add_option("--host", args->hosts,
                    "MX host names the certificate serves (default: the certificate's DNS names)")
        ->check(host_name());
    add_gate_options(*cmd, args->gate);
    runs(*cmd, run, args, command::run_precheck);
}

void add_gate_options(CLI::App& cmd, command::GateOptions& o) {
    add_resolver_options(cmd, o.resolver, "auto");
    cmd.add_option("--state-dir", o.state_dir,
                   "State directory: when each TLSA record was first seen, the root key's RFC "
                   "5011 state (shared with the daemon)")
        ->capture_default_str();
    cmd.add_option("--port", o.port, "SMTP port of the MX hosts instead of 25")
        ->check(CLI::Range(1, 65535));
    cmd.add_option("--timeout", o.timeout,
                   "Seconds per MX address probe; each DNS query waits at most this long, and "
                   "at most 5 s")
        ->check(seconds_between(0.1, 600))
        ->capture_default_str();
    cmd.add_option("--now", o.now,
                   "Dry run: judge as if it were this time (RFC 3339 UTC like "
                   "2026-01-01T00:00:00Z, or Unix seconds), with the first-seen times stored "
                   "so far; nothing is recorded, so a dry run never shortens the wait of a real "
                   "one");
}

void add_hook_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<command::HookRequest>();
    CLI::App* cmd = app.add_subcommand(
        "hook", "Renewal hook for certbot, acme.sh, dehydrated or lego: run the precheck gate on "
                "the renewed certificate and run --then only when it passes");
    cmd->footer("Exit status: 0 passed (and --then's status), 2 held back, 3 bad input.\n"
                "With --now (a dry run): the gate is judged at that time; nothing is recorded, no "
                "alert is sent and --then is not run.\n"
                "Ready hook files: contrib/hooks/. Example (certbot):\n  certbot renew "
                "--deploy-hook 'danemon hook --then \"systemctl reload postfix\"'");
    cmd->add_option("--then", args->then,
                    "Command to run when every gate passes (e.g. the MTA reload)");
    cmd->add_option("--config", args->config,
                    "danemon.yaml whose alert channels (email, exec) also announce a held-back "
                    "renewal (syslog always does)");
    add_gate_options(*cmd, args->gate);
    cmd->add_option(
        "ARGS", args->client_args,
        "Arguments the ACME client passes its hook (dehydrated: deploy_cert DOMAIN ...)");
    runs(*cmd, run, args, command::run_hook);
}

} // namespace danemon::cli
