// danemon status: print the latest stored status of every domain from the state database,
// without probing anything, and exit with the code of the worst one.
#include "commands.hpp"
#include "danemon/check/problem.hpp"
#include "danemon/store/store.hpp"
#include "danemon/text/text.hpp"

#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace danemon::cli {
namespace {

struct StatusArgs {
    std::string state_dir = "/var/lib/danemon";
    bool json = false;
};

std::string iso8601(std::time_t t) {
    return text::utc_text(t, text::UtcStyle::iso8601);
}

const char* mark(check::Status status) {
    switch (status) {
    case check::Status::ok:
        return "[ ok ]";
    case check::Status::warning:
        return "[WARN]";
    case check::Status::critical:
        return "[CRIT]";
    case check::Status::unknown:
        break;
    }
    return "[ ?? ]";
}

int run_status(const StatusArgs& args) {
    // Never create a state directory or database just to report that it is empty.
    std::error_code ec;
    if (!std::filesystem::exists(store::Store::database_path(args.state_dir), ec)) {
        std::cerr << "danemon status: no check has been stored yet in " << args.state_dir << "\n";
        return 3;
    }
    std::vector<store::DomainStatus> domains;
    try {
        domains = store::Store::open(args.state_dir)->latest();
    } catch (const store::StoreError& e) {
        std::cerr << "danemon status: " << e.what() << "\n";
        return 3;
    }
    if (domains.empty()) {
        std::cerr << "danemon status: no check has been stored yet in " << args.state_dir << "\n";
        return 3;
    }

    check::Status worst = check::Status::ok;
    for (const auto& d : domains)
        worst = check::worse(worst, d.status);

    if (args.json) {
        nlohmann::json out;
        out["status"] = check::to_string(worst);
        out["domains"] = nlohmann::json::array();
        for (const auto& d : domains) {
            nlohmann::json problems = nlohmann::json::array();
            for (const auto& p : d.problems)
                problems.push_back({{"code", p.code},
                                    {"severity", p.severity},
                                    {"message", p.message},
                                    {"mx", p.mx},
                                    {"address", p.address}});
            out["domains"].push_back({{"domain", d.domain},
                                      {"status", check::to_string(d.status)},
                                      {"checked_at", iso8601(d.checked_at)},
                                      {"problems", std::move(problems)}});
        }
        std::cout << out.dump(2) << "\n";
    } else {
        for (const auto& d : domains) {
            std::cout << mark(d.status) << " " << d.domain << "  " << check::to_string(d.status)
                      << "  checked " << iso8601(d.checked_at) << "\n";
            for (const auto& p : d.problems) {
                std::cout << "       " << p.severity << " " << p.code << ": " << p.message;
                if (!p.mx.empty()) {
                    std::cout << " (" << p.mx;
                    if (!p.address.empty()) std::cout << " " << p.address;
                    std::cout << ")";
                }
                std::cout << "\n";
            }
        }
    }
    return check::exit_code(worst);
}

} // namespace

void add_status_command(CLI::App& app, std::function<int()>& run) {
    auto args = std::make_shared<StatusArgs>();
    CLI::App* cmd = app.add_subcommand(
        "status", "Print the latest stored result of every domain from the state database "
                  "(no probing).");
    cmd->footer("Exit status: 0 ok, 1 warning, 2 critical, 3 unknown (worst stored domain; 3 "
                "also when nothing is stored or the database cannot be opened).");
    cmd->add_option("--state-dir", args->state_dir, "Directory holding danemon.db")
        ->type_name("DIR")
        ->capture_default_str();
    cmd->add_flag("--json", args->json, "Print JSON instead of text");
    cmd->callback([&run, args] { run = [args] { return run_status(*args); }; });
}

} // namespace danemon::cli
