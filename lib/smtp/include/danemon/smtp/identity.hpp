// Who danemon says it is in SMTP: the name it sends in EHLO, and the host part of the alert
// mail's default sender and Message-ID.
#pragma once

#include <string>

namespace danemon::smtp {

// This host's name as gethostname(2) gives it; "localhost" when it has none.
std::string local_host_name();

} // namespace danemon::smtp
