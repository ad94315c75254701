// The state directory's lock (store.hpp, DirectoryLock): flock(2) on danemon.lock, held
// until the process ends, so that a crash releases it.
#include "danemon/store/store.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <unistd.h>

namespace danemon::store {

std::unique_ptr<DirectoryLock> DirectoryLock::acquire(const std::string& directory) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    const std::string path = (std::filesystem::path(directory) / "danemon.lock").string();
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        throw StoreError("cannot open the lock file " + path + " (" + std::strerror(errno) +
                         "); make " + directory +
                         " writable for danemon or choose another "
                         "state_directory");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int saved = errno;
        char pid[32] = {};
        const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
        ::close(fd);
        if (saved != EWOULDBLOCK)
            throw StoreError("cannot lock " + path + " (" + std::strerror(saved) + ")");
        std::string holder(pid, n > 0 ? static_cast<std::size_t>(n) : 0);
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' '))
            holder.pop_back();
        throw StoreError("another danemon daemon" +
                         (holder.empty() ? std::string() : " (PID " + holder + ")") +
                         " is using the state directory " + directory +
                         "; stop it first, or give this one another state_directory");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // The lock is held; only the PID in the message of a second daemon is missing.
    }
    return std::unique_ptr<DirectoryLock>(new DirectoryLock(fd));
}

DirectoryLock::~DirectoryLock() {
    ::close(fd_);
}

} // namespace danemon::store
