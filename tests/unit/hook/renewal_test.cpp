// Which certificate each ACME client says it renewed, from the environment or arguments it
// gives its hook, and the sentence when nothing usable is there.
#include "danemon/hook/renewal.hpp"

#include <catch2/catch.hpp>

using namespace danemon::hook;

using Env = std::map<std::string, std::string>;
using Names = std::vector<std::string>;

TEST_CASE("certbot deploy hook: RENEWED_LINEAGE/fullchain.pem and RENEWED_DOMAINS") {
    const auto h =
        parse_hook_invocation({}, {{"RENEWED_LINEAGE", "/etc/letsencrypt/live/mx.example.org/"},
                                   {"RENEWED_DOMAINS", "mx.example.org  mx2.example.org"}});
    REQUIRE(h.outcome == HookOutcome::renewed);
    CHECK(h.client == AcmeClient::certbot);
    REQUIRE(h.certificates.size() == 1);
    CHECK(h.certificates[0].chain_file == "/etc/letsencrypt/live/mx.example.org/fullchain.pem");
    CHECK(h.certificates[0].domains == Names{"mx.example.org", "mx2.example.org"});
}

TEST_CASE("certbot without RENEWED_LINEAGE is explained") {
    const auto h = parse_hook_invocation({}, {{"RENEWED_DOMAINS", "mx.example.org"}});
    CHECK(h.outcome == HookOutcome::unrecognized);
    CHECK(h.message.find("--deploy-hook") != std::string::npos);
}

TEST_CASE("acme.sh reloadcmd: the full chain, else the certificate; Le_Domain") {
    auto h =
        parse_hook_invocation({}, {{"CERT_PATH", "/acme/mx.example.org/mx.example.org.cer"},
                                   {"CERT_FULLCHAIN_PATH", "/acme/mx.example.org/fullchain.cer"},
                                   {"CERT_KEY_PATH", "/acme/mx.example.org/mx.example.org.key"},
                                   {"Le_Domain", "mx.example.org"}});
    REQUIRE(h.outcome == HookOutcome::renewed);
    CHECK(h.client == AcmeClient::acme_sh);
    CHECK(h.certificates[0].chain_file == "/acme/mx.example.org/fullchain.cer");
    CHECK(h.certificates[0].domains == Names{"mx.example.org"});

    h = parse_hook_invocation({}, {{"CERT_PATH", "/acme/x.cer"}, {"CERT_FULLCHAIN_PATH", ""}});
    REQUIRE(h.outcome == HookOutcome::renewed);
    CHECK(h.certificates[0].chain_file == "/acme/x.cer");
    CHECK(h.certificates[0].domains.empty());

    h = parse_hook_invocation({}, {{"Le_Domain", "mx.example.org"}});
    CHECK(h.outcome == HookOutcome::unrecognized);
    CHECK(h.message.find("CERT_FULLCHAIN_PATH") != std::string::npos);
}

TEST_CASE("dehydrated deploy_cert: FULLCHAINFILE and DOMAIN, one or several certificates") {
    auto h =
        parse_hook_invocation({"deploy_cert", "mx.example.org", "/d/privkey.pem", "/d/cert.pem",
                               "/d/fullchain.pem", "/d/chain.pem", "1700000000"},
                              {});
    REQUIRE(h.outcome == HookOutcome::renewed);
    CHECK(h.client == AcmeClient::dehydrated);
    REQUIRE(h.certificates.size() == 1);
    CHECK(h.certificates[0].chain_file == "/d/fullchain.pem");
    CHECK(h.certificates[0].domains == Names{"mx.example.org"});

    h = parse_hook_invocation({"deploy_cert", "a.example", "k1", "c1", "f1", "ch1", "1",
                               "b.example", "k2", "c2", "f2", "ch2", "2"},
                              {});
    REQUIRE(h.certificates.size() == 2);
    CHECK(h.certificates[1].chain_file == "f2");
    CHECK(h.certificates[1].domains == Names{"b.example"});

    h = parse_hook_invocation({"deploy_cert", "mx.example.org", "/d/privkey.pem"}, {});
    CHECK(h.outcome == HookOutcome::unrecognized);
    CHECK(h.message.find("got 2 argument(s)") != std::string::npos);
}

TEST_CASE("dehydrated's other hooks have nothing to do; unknown arguments are explained") {
    for (const char* name : {"deploy_challenge", "clean_challenge", "unchanged_cert", "exit_hook",
                             "startup_hook", "sync_cert", "deploy_ocsp"}) {
        const auto h = parse_hook_invocation({name, "mx.example.org", "token", "value"}, {});
        CHECK(h.outcome == HookOutcome::nothing_to_do);
        CHECK(h.client == AcmeClient::dehydrated);
    }
    const auto h = parse_hook_invocation({"frobnicate"}, {{"RENEWED_LINEAGE", "/x"}});
    CHECK(h.outcome == HookOutcome::unrecognized);
    CHECK(h.message.find("'frobnicate'") != std::string::npos);
}

TEST_CASE("lego v5 hook: LEGO_HOOK_CERT_PATH and LEGO_HOOK_CERT_DOMAINS") {
    auto h =
        parse_hook_invocation({}, {{"LEGO_HOOK_CERT_PATH", "/lego/certificates/mx.crt"},
                                   {"LEGO_HOOK_CERT_NAME", "mx"},
                                   {"LEGO_HOOK_CERT_DOMAINS", "mx.example.org,mx2.example.org"}});
    REQUIRE(h.outcome == HookOutcome::renewed);
    CHECK(h.client == AcmeClient::lego);
    CHECK(h.certificates[0].chain_file == "/lego/certificates/mx.crt");
    CHECK(h.certificates[0].domains == Names{"mx.example.org", "mx2.example.org"});

    h = parse_hook_invocation(
        {}, {{"LEGO_HOOK_CERT_PATH", "/l/mx.crt"}, {"LEGO_HOOK_CERT_NAME", "mx.example.org"}});
    CHECK(h.certificates[0].domains == Names{"mx.example.org"});
}

TEST_CASE("lego v4 run/renew hook: LEGO_CERT_PATH and LEGO_CERT_DOMAIN") {
    auto h = parse_hook_invocation(
        {}, {{"LEGO_CERT_PATH", "/root/.lego/certificates/mx.example.org.crt"},
             {"LEGO_CERT_KEY_PATH", "/root/.lego/certificates/mx.example.org.key"},
             {"LEGO_CERT_DOMAIN", "mx.example.org"}});
    REQUIRE(h.outcome == HookOutcome::renewed);
    CHECK(h.client == AcmeClient::lego);
    CHECK(h.certificates[0].chain_file == "/root/.lego/certificates/mx.example.org.crt");
    CHECK(h.certificates[0].domains == Names{"mx.example.org"});

    h = parse_hook_invocation({}, {{"LEGO_CERT_DOMAIN", "mx.example.org"}});
    CHECK(h.outcome == HookOutcome::unrecognized);
    CHECK(h.message.find("LEGO_CERT_PATH") != std::string::npos);
}

TEST_CASE("no client environment gives one sentence naming what is expected") {
    const auto h = parse_hook_invocation({}, {{"PATH", "/usr/bin"}, {"RENEWED_LINEAGE", ""}});
    CHECK(h.outcome == HookOutcome::unrecognized);
    CHECK(h.certificates.empty());
    CHECK(h.message.rfind("No renewed certificate found: ", 0) == 0);
    CHECK(to_string(AcmeClient::acme_sh) == std::string("acme.sh"));
}
