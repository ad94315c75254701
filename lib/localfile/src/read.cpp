// Bounded, non-blocking reads of regular files (read.hpp).
#include "danemon/localfile/read.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace danemon::localfile {
namespace {

// Closes the descriptor on every path out.
class Descriptor {
public:
    explicit Descriptor(int fd)
        : fd_(fd) {}
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

const char* kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a file";
}

std::string size_text(std::size_t bytes) {
    if (bytes % (std::size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MB";
    if (bytes % (std::size_t{1} << 10) == 0) return std::to_string(bytes >> 10) + " KB";
    return std::to_string(bytes) + " bytes";
}

} // namespace

std::optional<std::string> non_regular_kind(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return std::nullopt;
    return kind_of(st.st_mode);
}

Expected<std::string> read_regular_file(const std::string& path, Limit limit) {
    // O_NONBLOCK: opening a FIFO does not wait for a writer, and the type is checked before
    // anything is read. O_NOCTTY: a terminal device named by mistake does not become ours.
    const Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (fd.get() < 0) return Error{"cannot read " + path + ": " + std::strerror(errno)};
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return Error{"cannot read " + path + ": " + std::strerror(errno)};
    if (!S_ISREG(st.st_mode))
        return Error{path + " is " + kind_of(st.st_mode) + ", not a regular file"};
    if (static_cast<std::size_t>(st.st_size) > limit.bytes)
        return Error{path + " is larger than " + size_text(limit.bytes) + ", the limit for " +
                     limit.what};
    std::string contents;
    contents.reserve(static_cast<std::size_t>(st.st_size));
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error{"cannot read " + path + ": " + std::strerror(errno)};
        if (n == 0) break;
        contents.append(buffer, static_cast<std::size_t>(n));
        // The file may grow while it is read.
        if (contents.size() > limit.bytes)
            return Error{path + " is larger than " + size_text(limit.bytes) + ", the limit for " +
                         limit.what};
    }
    return contents;
}

} // namespace danemon::localfile
