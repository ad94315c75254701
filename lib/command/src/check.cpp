// danemon check: resolve, probe and evaluate the given domains once (lib/pipeline, as the
// daemon does), print the report and exit with the Nagios-style code of the worst domain.
#include "danemon/check/codes.hpp"
#include "danemon/command/command.hpp"
#include "danemon/config/config.hpp"
#include "danemon/pipeline/pipeline.hpp"
#include "danemon/report/report.hpp"
#include "options.hpp"

#include <chrono>
#include <filesystem>
#include <limits>
#include <optional>

namespace danemon::command {
namespace {

int fail(std::ostream& err, const std::string& sentence) {
    err << "danemon check: " << sentence << "\n";
    return 3;
}

// The settings and targets: the configuration's when --config is given, then what the
// command line says.
struct Plan {
    pipeline::Settings settings;
    std::vector<pipeline::Target> targets;
    dns::ResolverChoice resolver;
    std::string state_dir = "/var/lib/danemon";
};

Plan plan_of(const CheckRequest& request, const std::optional<config::Config>& configured) {
    Plan plan;
    if (configured) {
        plan.settings = pipeline::settings_of(*configured);
        plan.targets = pipeline::targets_of(*configured, request.domains);
        plan.resolver = {configured->resolver, configured->trust_anchor, configured->root_hints};
        plan.state_dir = configured->state_directory;
    } else {
        for (const auto& d : request.domains)
            plan.targets.push_back(pipeline::Target{d, 25, {}});
    }
    if (request.timeout) plan.settings.timeout = *request.timeout;
    if (request.helo_name) plan.settings.helo_name = *request.helo_name;
    if (request.concurrency) plan.settings.concurrency = *request.concurrency;
    if (request.expiry_warning_days)
        plan.settings.policy.expiry_warning_days = *request.expiry_warning_days;
    // --severity adds to the configuration's severity policy; for one code it wins.
    detail::add_severity_rules(plan.settings.policy, request.severity_rules);
    plan.settings.probe_legacy = request.probe_legacy;
    plan.settings.probe_keys = request.probe_keys;
    // The report holds every verdict anyway: one batch, so shared MX hosts are probed once.
    plan.settings.batch_size = std::numeric_limits<std::size_t>::max();
    if (request.port != 0)
        for (auto& t : plan.targets)
            t.port = request.port;
    detail::override_resolver(plan.resolver, plan.state_dir, request.resolver, request.state_dir);
    return plan;
}

int save_chains(const std::vector<check::DomainVerdict>& verdicts, const std::string& dir,
                std::ostream& err) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(err, "cannot create " + dir + ": " + ec.message());
    try {
        for (const auto& path : report::save_chains(verdicts, dir))
            err << "saved " << path << "\n";
    } catch (const std::exception& e) {
        return fail(err, e.what());
    }
    return 0;
}

// The report in the format asked for.
void print_report(const CheckRequest& request, const Plan& plan,
                  const std::vector<check::DomainVerdict>& verdicts, double seconds,
                  std::ostream& out) {
    if (request.format == ReportFormat::json) {
        out << report::render_json(verdicts, std::time(nullptr));
    } else if (request.format == ReportFormat::nagios) {
        report::NagiosOptions nagios;
        nagios.now = std::time(nullptr);
        nagios.duration_seconds = seconds;
        nagios.expiry_warning_days = plan.settings.policy.expiry_warning_days;
        out << report::render_nagios(verdicts, nagios);
    } else {
        report::TextOptions text;
        text.color = request.color;
        text.show_chain = request.show_chain;
        out << report::render_text(verdicts, text);
    }
}

} // namespace

int run_check(const CheckRequest& request, std::ostream& out, std::ostream& err) {
    const auto configured = detail::load_optional_config(request.config);
    if (!configured) return fail(err, configured.error());
    const Plan plan = plan_of(request, *configured);
    if (plan.targets.empty()) return fail(err, "give at least one DOMAIN, or --config FILE");
    dns::ResolverSetup setup;
    setup.choice = plan.resolver;
    setup.state_dir = plan.state_dir;
    setup.timeout = pipeline::dns_query_timeout(plan.settings.timeout);
    std::unique_ptr<dns::Resolver> resolver;
    try {
        resolver = dns::make_resolver(setup);
    } catch (const std::exception& e) {
        return fail(err, e.what());
    }
    auto prober = smtp::make_starttls_prober();
    pipeline::Io io{*resolver, *prober, [] { return std::time(nullptr); }};
    const auto started = std::chrono::steady_clock::now();
    const std::vector<check::DomainVerdict> verdicts =
        pipeline::run_all(plan.targets, plan.settings, io);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    check::Status worst = check::Status::ok;
    for (const auto& v : verdicts)
        worst = check::worse(worst, v.status);
    print_report(request, plan, verdicts, took.count(), out);
    if (!request.save_chain.empty())
        if (const int code = save_chains(verdicts, request.save_chain, err); code != 0) return code;
    return check::exit_code(worst);
}

} // namespace danemon::command
