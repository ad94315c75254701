// This host's name (identity.hpp).
#include "danemon/smtp/identity.hpp"

#include <climits>
#include <unistd.h>

namespace danemon::smtp {

std::string local_host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

} // namespace danemon::smtp
