// Probes one MX address as a sender would: connect, banner, EHLO, STARTTLS, handshake,
// then separate short sessions: one per other key family, to be served each certificate the
// server holds (senders' signature algorithms differ), and those that learn whether TLS
// 1.0/1.1 are still accepted. Every phase has its own limit and the whole probe one deadline.
#pragma once

#include "danemon/facts/facts.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace danemon::smtp {

struct PhaseLimits {
    std::chrono::milliseconds connect{10000};
    std::chrono::milliseconds banner{30000};
    std::chrono::milliseconds command{15000}; // EHLO and STARTTLS replies
    std::chrono::milliseconds handshake{15000};
    std::chrono::milliseconds total{60000}; // the whole probe, legacy probes included
    std::chrono::milliseconds quit{2000};   // best-effort QUIT (over TLS) before closing

    // The default phase limits, each cut to `total`, for a probe that may take `total` in all
    // (what --timeout and the timeout setting mean).
    static PhaseLimits within(std::chrono::milliseconds total);
};

struct ProbeRequest {
    facts::ProbeEndpoint endpoint;
    std::string sni;       // the TLSA base domain (or the MX host name)
    std::string helo_name; // our EHLO name
    PhaseLimits limits;
    bool probe_legacy = true; // also try TLS 1.0 and 1.1 on their own
    // Also ask for a certificate of each other key family (tls::probed_key_families), with
    // only its signature algorithms, when the main session negotiated TLS 1.2 or newer.
    bool probe_keys = true;
};

// Neither call throws; together they never wait past limits.total (plus scheduling slack).
class Prober {
public:
    virtual ~Prober() = default;
    // The main session, and the second pass right after it (see second_pass).
    virtual facts::ProbeResult probe(const ProbeRequest& request) = 0;
    // The sessions after the main one, for a result that probe() gave without them: the
    // other key families (request.probe_keys), then TLS 1.0/1.1 (request.probe_legacy),
    // within what the main session left of limits.total. A caller with many addresses runs
    // these later: a connection right after the first one can find the server's process
    // still busy with it, and Postfix's master then starts another smtpd for it.
    virtual void second_pass(const ProbeRequest& request, facts::ProbeResult& result) = 0;
};

std::unique_ptr<Prober> make_starttls_prober();

} // namespace danemon::smtp
