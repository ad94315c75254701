// danemon codes: the problem codes, their usual severity, when the daemon alerts on them,
// what they mean and what to do; --markdown prints the README's table.
#include "commands.hpp"
#include "danemon/check/codes.hpp"

#include <iostream>
#include <memory>
#include <string>

namespace danemon::cli {
namespace {

int print_codes(bool markdown) {
    if (markdown) {
        std::cout << check::codes_markdown();
        return 0;
    }
    for (const auto& info : check::problem_codes()) {
        std::cout << info.code << ": " << info.severity_text << "; the daemon alerts "
                  << (info.transient ? "once a re-check confirms it" : "at once") << "\n"
                  << "    " << info.meaning << "\n"
                  << "    fix: " << info.fix << "\n";
    }
    return 0;
}

} // namespace

void add_codes_command(CLI::App& app, std::function<int()>& run) {
    auto markdown = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand(
        "codes", "List the problem codes: usual severity, when the daemon alerts, meaning, fix");
    cmd->footer("The codes are what --severity CODE=LEVEL and the configuration's severity map "
                "take.\nExample: danemon codes --markdown");
    cmd->add_flag("--markdown", *markdown, "Print the list as a Markdown table (README.md's)");
    cmd->callback([&run, markdown] { run = [markdown] { return print_codes(*markdown); }; });
}

} // namespace danemon::cli
