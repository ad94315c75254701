// A lib/command entry point run as the binary runs it: the report on `out`, sentences on
// `err`, and the exit code.
#pragma once

#include <sstream>
#include <string>

namespace danemon::test {

struct Run {
    int code = 0;
    std::string out;
    std::string err;
};

template <typename Request, typename Command> Run run(Command command, const Request& request) {
    std::ostringstream out;
    std::ostringstream err;
    const int code = command(request, out, err);
    return {code, out.str(), err.str()};
}

} // namespace danemon::test
