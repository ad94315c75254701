// Delivery from the outbox: an alert is marked sent only after its channel took it, and a
// failed one waits with exponential backoff, so none is lost and none is sent twice.
#include "danemon/alert/alert.hpp"

#include <algorithm>

namespace danemon::alert {

std::size_t deliver_outbox(store::Store& store, const std::vector<AlertSink*>& sinks,
                           std::time_t now) {
    std::size_t delivered = 0;
    for (AlertSink* sink : sinks) {
        for (const auto& entry : store.due(sink->channel(), now)) {
            std::string error;
            try {
                error = sink->deliver(from_json(entry.payload));
            } catch (const std::exception& e) {
                error = e.what();
            }
            if (error.empty()) {
                store.mark_sent(entry.id);
                ++delivered;
            } else {
                std::time_t backoff =
                    std::min<std::time_t>(3600, std::time_t{60} << std::min(entry.attempts, 6));
                store.mark_failed(entry.id, error, now + backoff);
            }
        }
    }
    return delivered;
}

} // namespace danemon::alert
