// danemon: argument parsing and wiring of the subcommands; the work lives in lib/.
#include "cli.hpp"

#include <string>

int main(int argc, char** argv) {
    CLI::App app{"danemon: finds stale DANE TLSA records and TLS problems on your MX hosts "
                 "before DANE-enforcing senders refuse your mail."};
    app.set_version_flag("--version", "danemon " DANEMON_VERSION);
    app.require_subcommand(1);
    std::function<int()> run;
    using namespace danemon::cli;
    for (auto add : {add_check_command, add_verify_command, add_tlsa_command, add_daemon_command,
                     add_status_command, add_config_command, add_codes_command,
                     add_precheck_command, add_hook_command})
        add(app, run);
    // CLI11 says only "A subcommand is required" for an unknown word: name it.
    if (argc > 1 && argv[1][0] != '-') {
        std::string known;
        bool found = false;
        for (const CLI::App* sub : app.get_subcommands({})) {
            found = found || sub->get_name() == argv[1];
            known += (known.empty() ? "" : ", ") + sub->get_name();
        }
        if (!found) {
            std::cerr << "danemon: unknown command '" << argv[1] << "'; the commands are " << known
                      << ".\nRun 'danemon --help' for usage.\n";
            return 3;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e); // --help, --version
    } catch (const CLI::ParseError& e) {
        std::cerr << "danemon: " << e.what()
                  << "\nRun 'danemon --help' (or 'danemon COMMAND --help') "
                     "for usage.\n";
        return 3;
    }
    try {
        return run ? run() : 3;
    } catch (const std::exception& e) {
        std::cerr << "danemon: internal error: " << e.what() << "\n";
        return 3;
    }
}
