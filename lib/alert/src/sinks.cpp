// The alert channels of a configuration (alert.hpp, make_sinks).
#include "danemon/alert/alert.hpp"

namespace danemon::alert {

std::vector<std::unique_ptr<AlertSink>> make_sinks(const config::Config& config,
                                                   const std::string& host_name) {
    std::vector<std::unique_ptr<AlertSink>> sinks;
    if (config.syslog.enabled)
        sinks.push_back(make_syslog_sink(config.syslog.identity, config.syslog.facility));
    if (config.email.enabled) {
        EmailOptions options;
        options.headers.from =
            config.email.from.empty() ? "danemon@" + host_name : config.email.from;
        options.headers.to = config.email.to;
        options.headers.host_name = host_name;
        options.server = config.email.server;
        options.port = config.email.port;
        options.min_severity = check::severity_from_string(config.email.min_severity)
                                   .value_or(check::Severity::warning); // "warning" | "critical"
        sinks.push_back(make_email_sink(options));
    }
    if (config.exec.enabled)
        sinks.push_back(make_exec_sink(config.exec.command, config.exec.timeout));
    return sinks;
}

} // namespace danemon::alert
