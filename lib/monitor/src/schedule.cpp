// Which domains are due: per-domain intervals with random jitter.
#include "danemon/monitor/monitor.hpp"

#include <algorithm>

namespace danemon::monitor {

Schedule::Schedule(std::uint64_t seed)
    : random_(seed) {}

void Schedule::configure(const config::Config& config, std::time_t now) {
    std::map<std::string, Entry> next;
    for (const auto& d : config.domains) {
        Entry e;
        e.interval = d.interval.value_or(config.interval);
        auto old = entries_.find(d.name);
        e.due = old == entries_.end() ? now : std::min(old->second.due, now + e.interval.count());
        next.emplace(d.name, e);
    }
    entries_ = std::move(next);
    jitter_ = config.jitter;
}

std::vector<std::string> Schedule::due(std::time_t now) const {
    std::vector<std::string> out;
    for (const auto& [name, e] : entries_)
        if (e.due <= now) out.push_back(name);
    return out;
}

void Schedule::checked(const std::vector<std::string>& domains, std::time_t now) {
    std::uniform_int_distribution<long> spread(0, static_cast<long>(jitter_.count()));
    for (const auto& d : domains) {
        auto it = entries_.find(d);
        if (it != entries_.end())
            it->second.due = now + it->second.interval.count() + spread(random_);
    }
}

void Schedule::all_due(std::time_t now) {
    for (auto& [name, e] : entries_)
        e.due = std::min(e.due, now);
}

std::time_t Schedule::next_due() const {
    std::time_t next = 0;
    for (const auto& [name, e] : entries_)
        if (next == 0 || e.due < next) next = e.due;
    return next;
}

} // namespace danemon::monitor
