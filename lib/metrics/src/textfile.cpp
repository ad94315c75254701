// The node_exporter textfile: readers never see a half-written file (write, fsync, rename).
#include "danemon/metrics/metrics.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace danemon::metrics {

void write_textfile(const std::string& path, const std::function<void(std::ostream&)>& write) {
    const std::string tmp = path + ".tmp";
    auto fail = [&](const std::string& what, int error) {
        ::unlink(tmp.c_str());
        throw std::runtime_error(what + ": " + std::strerror(error));
    };
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
        write(out);
        out.close();
        if (!out) fail("cannot write " + tmp, errno != 0 ? errno : EIO);
    }
    // The data must be on disk before the rename makes it the file readers see.
    const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("cannot write " + tmp, errno);
    const bool synced = ::fsync(fd) == 0;
    const int sync_error = errno;
    ::close(fd);
    if (!synced) fail("cannot write " + tmp, sync_error);
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        fail("cannot rename " + tmp + " to " + path, errno);
}

void write_textfile(const std::string& path, const std::string& text) {
    write_textfile(path, [&text](std::ostream& out) { out << text; });
}

} // namespace danemon::metrics
