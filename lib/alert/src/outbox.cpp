// Delivery from the outbox: an alert is marked sent as soon as its channel took it (for mail:
// the server's 250 to the message, not its reply to QUIT), and a failed one waits with
// exponential backoff, so none is lost and a duplicate needs a crash inside that moment.
#include "danemon/alert/alert.hpp"

#include <algorithm>

namespace danemon::alert {

DeliveryReport deliver_outbox(store::Store& store, const std::vector<AlertSink*>& sinks,
                              std::time_t now) {
    DeliveryReport report;
    for (AlertSink* sink : sinks) {
        for (const auto& entry : store.due(sink->channel(), now)) {
            store.begin_attempt(entry.id);
            bool sent = false;
            const Taken taken = [&] {
                if (sent) return;
                store.mark_sent(entry.id);
                sent = true;
            };
            Expected<void> outcome;
            try {
                outcome = sink->deliver(from_json(entry.payload), taken);
            } catch (const store::StoreError&) {
                throw;
            } catch (const std::exception& e) {
                outcome = Error{e.what()};
            }
            if (outcome) taken();
            if (sent) { // taken; a failure in the teardown after that changes nothing
                ++report.delivered;
                continue;
            }
            const std::time_t backoff =
                std::min<std::time_t>(3600, std::time_t{60} << std::min(entry.attempts, 6));
            store.mark_failed(entry.id, outcome.error(), now + backoff);
            report.failures.push_back({sink->channel(), outcome.error()});
        }
    }
    return report;
}

} // namespace danemon::alert
