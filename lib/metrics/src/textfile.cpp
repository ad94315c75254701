// The node_exporter textfile: readers never see a half-written file (write, fsync, rename).
#include "danemon/metrics/metrics.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <unistd.h>

namespace danemon::metrics {

namespace {

// An output stream buffer on a file descriptor, 64 KB at a time; the first write error is
// kept for the caller.
class FdBuffer final : public std::streambuf {
public:
    explicit FdBuffer(int fd)
        : fd_(fd) {
        setp(buffer_.data(), buffer_.data() + buffer_.size());
    }
    int error() const { return error_; }

protected:
    int_type overflow(int_type c) override {
        if (sync() != 0) return traits_type::eof();
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(c);
            pbump(1);
        }
        return traits_type::not_eof(c);
    }
    int sync() override {
        const char* from = pbase();
        while (from < pptr()) {
            const ssize_t n = ::write(fd_, from, static_cast<std::size_t>(pptr() - from));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                error_ = n < 0 ? errno : EIO;
                return -1;
            }
            from += n;
        }
        setp(buffer_.data(), buffer_.data() + buffer_.size());
        return 0;
    }

private:
    int fd_;
    int error_ = 0;
    std::array<char, 64 * 1024> buffer_{};
};

} // namespace

void write_textfile(const std::string& path, const std::function<void(std::ostream&)>& write) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    // Whatever goes wrong, including an exception from WRITE, leaves no temporary file.
    try {
        FdBuffer buffer(fd);
        std::ostream out(&buffer);
        write(out);
        out.flush();
        if (buffer.error() != 0 || !out) {
            throw std::runtime_error("cannot write " + tmp + ": " +
                                     std::strerror(buffer.error() != 0 ? buffer.error() : EIO));
        }
        // The data must be on disk before the rename makes it the file readers see.
        if (::fsync(fd) != 0)
            throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::close(fd) != 0) {
        const int error = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(error));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " +
                                 std::strerror(error));
    }
}

void write_textfile(const std::string& path, const std::string& text) {
    write_textfile(path, [&text](std::ostream& out) { out << text; });
}

} // namespace danemon::metrics
