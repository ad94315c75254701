// The email channel: the composed alert submitted to the local MTA over SMTP.
#include "danemon/alert/alert.hpp"
#include "danemon/smtp/submit.hpp"

namespace danemon::alert {
namespace {

class EmailSink final : public AlertSink {
public:
    explicit EmailSink(EmailOptions options)
        : options_(std::move(options)) {}

    std::string channel() const override { return "email"; }

    Expected<void> deliver(const AlertEvent& e, const Taken& taken) override {
        // Below the configured severity: taken and dropped (a recovery of such a problem too).
        if (options_.min_severity == check::Severity::critical &&
            e.severity != check::Severity::critical)
            return {};
        smtp::Submission s;
        s.server = options_.server;
        s.port = options_.port;
        s.helo_name = options_.headers.host_name.empty() ? "localhost" : options_.headers.host_name;
        s.from = options_.headers.from;
        s.to = options_.headers.to;
        s.message = compose_mail(e, options_.headers);
        auto submitted = smtp::submit(s, taken);
        if (!submitted)
            return Error{"mail to the MTA at " + s.server + " failed: " + submitted.error()};
        return {};
    }

private:
    EmailOptions options_;
};

} // namespace

std::unique_ptr<AlertSink> make_email_sink(const EmailOptions& options) {
    return std::make_unique<EmailSink>(options);
}

} // namespace danemon::alert
