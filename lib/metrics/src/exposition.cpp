// The metric families danemon exports; names and labels are part of the documented
// interface (README.md, contrib/prometheus/alerts.yml).
#include "danemon/metrics/metrics.hpp"

#include <map>
#include <sstream>

namespace danemon::metrics {
namespace {

std::string escape(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

class Family {
public:
    Family(std::ostream& out, const char* name, const char* type, const char* help)
        : out_(out)
        , name_(name) {
        out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
    }
    void sample(const std::vector<std::pair<const char*, std::string>>& labels, double value) {
        out_ << name_;
        if (!labels.empty()) {
            out_ << '{';
            bool first = true;
            for (const auto& [key, label] : labels) {
                out_ << (first ? "" : ",") << key << "=\"" << escape(label) << '"';
                first = false;
            }
            out_ << '}';
        }
        out_ << ' ' << value << '\n';
    }

private:
    std::ostream& out_;
    const char* name_;
};

int status_number(check::Status s) {
    return check::exit_code(s);
}

} // namespace

DomainSample DomainSample::of(const check::DomainVerdict& v, std::time_t checked_at,
                              double duration_seconds) {
    DomainSample s;
    s.domain = v.domain;
    s.status = v.status;
    s.checked_at = checked_at;
    s.duration_seconds = duration_seconds;
    for (const auto& p : v.all_problems()) {
        if (p.severity == check::Severity::off) continue;
        ++(p.pending ? s.pending_problems
                     : s.problems)[{check::to_string(p.code), check::to_string(p.severity)}];
    }
    for (const auto& mx : v.mx)
        for (const auto& e : mx.endpoints) {
            EndpointSample es;
            es.mx = mx.host;
            es.address = e.probe.endpoint.address;
            es.port = e.probe.endpoint.port;
            es.dane = e.dane;
            es.tls_version = e.probe.tls_version;
            es.legacy_accepted = !e.probe.legacy_tls.empty();
            if (!e.chain.empty()) es.not_after = e.chain.front().not_after;
            es.probe_seconds = static_cast<double>(e.probe.elapsed.count()) / 1000.0;
            s.endpoints.push_back(std::move(es));
        }
    return s;
}

namespace {

// The samples, iterated as values; the pointers spare a copy of every sample.
struct SampleView {
    const std::vector<const DomainSample*>& items;
    struct It {
        std::vector<const DomainSample*>::const_iterator i;
        const DomainSample& operator*() const { return **i; }
        It& operator++() {
            ++i;
            return *this;
        }
        bool operator!=(const It& o) const { return i != o.i; }
    };
    It begin() const { return {items.begin()}; }
    It end() const { return {items.end()}; }
};

// The families with one sample per domain (or per domain and problem code).
void render_domain_families(std::ostream& out, const SampleView& samples) {
    {
        Family f(out, "danemon_domain_status", "gauge",
                 "Worst severity of the domain: 0 ok, 1 warning, 2 critical, 3 unknown.");
        for (const auto& s : samples)
            f.sample({{"domain", s.domain}}, status_number(s.status));
    }
    {
        Family f(out, "danemon_last_check_timestamp_seconds", "gauge",
                 "Unix time of the domain's last completed check.");
        for (const auto& s : samples)
            f.sample({{"domain", s.domain}}, static_cast<double>(s.checked_at));
    }
    {
        Family f(out, "danemon_check_duration_seconds", "gauge",
                 "Wall time of the domain's last check.");
        for (const auto& s : samples)
            f.sample({{"domain", s.domain}}, s.duration_seconds);
    }
    {
        Family f(out, "danemon_problems", "gauge",
                 "Problems found in the last check, by code (without pending ones).");
        for (const auto& s : samples)
            for (const auto& [key, n] : s.problems)
                f.sample({{"domain", s.domain}, {"code", key.first}, {"severity", key.second}}, n);
    }
    {
        Family f(out, "danemon_problems_pending", "gauge",
                 "Problems seen once that may be passing faults, waiting for their confirming "
                 "re-check (confirm_delay) before they are alerted.");
        for (const auto& s : samples)
            for (const auto& [key, n] : s.pending_problems)
                f.sample({{"domain", s.domain}, {"code", key.first}, {"severity", key.second}}, n);
    }
}

// The families with one sample per probed address.
void render_endpoint_families(std::ostream& out, const SampleView& samples) {
    auto for_endpoints = [&](auto&& emit) {
        for (const auto& s : samples)
            for (const auto& e : s.endpoints)
                emit(e, std::vector<std::pair<const char*, std::string>>{
                            {"domain", s.domain},
                            {"mx", e.mx},
                            {"address", e.address},
                            {"port", std::to_string(e.port)}});
    };
    {
        Family f(out, "danemon_dane_pass", "gauge",
                 "1 when the served chain passes DANE verification, 0 when it fails; absent "
                 "where DANE does not apply.");
        for_endpoints([&](const EndpointSample& e, auto labels) {
            if (e.dane != check::DaneState::not_applicable)
                f.sample(labels, e.dane == check::DaneState::pass ? 1 : 0);
        });
    }
    {
        Family f(out, "danemon_tls_version_info", "gauge",
                 "The TLS version negotiated with a sender's preferences (value always 1).");
        for_endpoints([&](const EndpointSample& e, auto labels) {
            if (e.tls_version.empty()) return;
            labels.emplace_back("version", e.tls_version);
            f.sample(labels, 1);
        });
    }
    {
        Family f(out, "danemon_tls_legacy_accepted", "gauge",
                 "1 when TLS 1.0 or 1.1 is still accepted by the address.");
        for_endpoints([&](const EndpointSample& e, auto labels) {
            if (!e.tls_version.empty()) f.sample(labels, e.legacy_accepted ? 1 : 0);
        });
    }
    {
        Family f(out, "danemon_cert_not_after_timestamp_seconds", "gauge",
                 "Expiry (Unix time) of the leaf certificate the address serves.");
        for_endpoints([&](const EndpointSample& e, auto labels) {
            if (e.not_after) f.sample(labels, static_cast<double>(*e.not_after));
        });
    }
    {
        Family f(out, "danemon_probe_duration_seconds", "gauge",
                 "Wall time of the address's probe (SMTP, STARTTLS, TLS version probes).");
        for_endpoints(
            [&](const EndpointSample& e, auto labels) { f.sample(labels, e.probe_seconds); });
    }
}

void render_samples(std::ostream& out, const std::vector<const DomainSample*>& pointers) {
    const auto precision = out.precision(15);
    const SampleView samples{pointers};
    render_domain_families(out, samples);
    render_endpoint_families(out, samples);
    out.precision(precision);
}

void render_service(std::ostream& out, const ServiceSample& service) {
    {
        Family f(out, "danemon_alerts_pending", "gauge",
                 "Alerts waiting for delivery (a channel failed, or the state store does).");
        f.sample({}, static_cast<double>(service.alerts_pending));
    }
    {
        Family f(out, "danemon_alert_delivery_failures_total", "counter",
                 "Failed alert delivery attempts since the daemon started, by channel.");
        for (const auto& [channel, n] : service.delivery_failures)
            f.sample({{"channel", channel}}, static_cast<double>(n));
    }
    {
        Family f(out, "danemon_state_store_failing", "gauge",
                 "1 while the state database cannot be written (alerts go out from memory).");
        f.sample({}, service.store_failing ? 1 : 0);
    }
}

} // namespace

std::string render(const std::vector<DomainSample>& samples) {
    std::vector<const DomainSample*> pointers;
    for (const auto& s : samples)
        pointers.push_back(&s);
    std::ostringstream out;
    render_samples(out, pointers);
    return std::move(out).str();
}

void render(std::ostream& out, const std::map<std::string, DomainSample>& samples,
            const ServiceSample* service) {
    std::vector<const DomainSample*> pointers;
    for (const auto& [domain, s] : samples)
        pointers.push_back(&s);
    render_samples(out, pointers);
    if (service != nullptr) render_service(out, *service);
}

std::string render(const std::map<std::string, DomainSample>& samples,
                   const ServiceSample* service) {
    std::ostringstream out;
    render(out, samples, service);
    return std::move(out).str();
}

} // namespace danemon::metrics
