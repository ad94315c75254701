// danemon config check: is the configuration file valid, and are the files it names for the
// embedded validator usable?
#include "danemon/config/config.hpp"

#include "danemon/command/command.hpp"
#include "danemon/dns/resolver.hpp"

namespace danemon::command {

int run_config_check(const std::string& file, std::ostream& out, std::ostream& err) {
    try {
        const config::Config cfg = config::load_config(file);
        try {
            dns::check_validator_files(cfg.trust_anchor, cfg.root_hints);
        } catch (const std::runtime_error& e) {
            err << file << ": " << e.what() << "\n";
            return 3;
        }
        const std::size_t n = cfg.domains.size();
        out << file << ": ok (" << n << (n == 1 ? " domain" : " domains") << ")\n";
        return 0;
    } catch (const config::ConfigError& e) {
        err << e.what() << "\n";
        return 3;
    }
}

} // namespace danemon::command
