// Which domains are due: per-domain intervals with random jitter, on the monotonic clock.
#include "danemon/monitor/monitor.hpp"

#include <algorithm>

namespace danemon::monitor {

Schedule::Schedule(std::uint64_t seed)
    : random_(seed) {}

void Schedule::configure(const config::Config& config, Instant now) {
    std::map<std::string, Entry> next;
    for (const auto& d : config.domains) {
        Entry e;
        e.interval = d.interval.value_or(config.interval);
        auto old = entries_.find(d.name);
        e.due = old == entries_.end() ? now : std::min(old->second.due, now + e.interval);
        next.emplace(d.name, e);
    }
    entries_ = std::move(next);
    jitter_ = config.jitter;
}

std::vector<std::string> Schedule::due(Instant now) const {
    std::vector<std::string> out;
    for (const auto& [name, e] : entries_)
        if (e.due <= now) out.push_back(name);
    return out;
}

void Schedule::checked(const std::vector<std::string>& domains, Instant now) {
    std::uniform_int_distribution<long> spread(0, static_cast<long>(jitter_.count()));
    for (const auto& d : domains) {
        auto it = entries_.find(d);
        if (it != entries_.end())
            it->second.due = now + it->second.interval + std::chrono::seconds(spread(random_));
    }
}

void Schedule::retry(const std::vector<std::string>& domains, Instant at) {
    for (const auto& d : domains) {
        auto it = entries_.find(d);
        if (it != entries_.end()) it->second.due = at;
    }
}

void Schedule::all_due(Instant now) {
    for (auto& [name, e] : entries_)
        e.due = std::min(e.due, now);
}

std::optional<Schedule::Instant> Schedule::next_due() const {
    std::optional<Instant> next;
    for (const auto& [name, e] : entries_)
        if (!next || e.due < *next) next = e.due;
    return next;
}

} // namespace danemon::monitor
