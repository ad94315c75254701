// The exec channel: a program of the administrator's, run without a shell, the event as
// JSON on its standard input. Hostile strings from DNS or certificates reach it only
// inside that JSON, never as arguments or environment.
#include "danemon/alert/alert.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace danemon::alert {
namespace {

class ExecSink final : public AlertSink {
public:
    ExecSink(std::vector<std::string> argv, std::chrono::seconds timeout)
        : argv_(std::move(argv))
        , timeout_(timeout) {}

    std::string channel() const override { return "exec"; }

    Expected<void> deliver(const AlertEvent& e, const Taken&) override {
        if (argv_.empty()) return Error{"no command configured"};
        const std::string input = to_json(e) + "\n";
        // Everything the child needs is prepared before fork: only exec-safe calls after.
        std::vector<char*> args;
        for (auto& a : argv_)
            args.push_back(a.data());
        args.push_back(nullptr);
        static char path_env[] =
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        char* envp[] = {path_env, nullptr};
        int in[2];
        if (pipe2(in, O_CLOEXEC) != 0)
            return Error{std::string("cannot create a pipe: ") + std::strerror(errno)};
        pid_t pid = fork();
        if (pid < 0) {
            close(in[0]);
            close(in[1]);
            return Error{std::string("cannot fork: ") + std::strerror(errno)};
        }
        if (pid == 0) {
            dup2(in[0], STDIN_FILENO);
            execve(args[0], args.data(), envp);
            _exit(127);
        }
        close(in[0]);
        signal(SIGPIPE, SIG_IGN);
        std::size_t done = 0;
        while (done < input.size()) {
            ssize_t n = write(in[1], input.data() + done, input.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break; // the program does not read: its exit status decides
            done += static_cast<std::size_t>(n);
        }
        close(in[1]);
        const auto deadline = std::chrono::steady_clock::now() + timeout_;
        int status = 0;
        for (;;) {
            pid_t r = waitpid(pid, &status, WNOHANG);
            if (r == pid) break;
            if (r < 0 && errno != EINTR)
                return Error{std::string("waitpid: ") + std::strerror(errno)};
            if (std::chrono::steady_clock::now() >= deadline) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                return Error{argv_[0] + " did not finish within " +
                             std::to_string(timeout_.count()) + " s and was killed"};
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            return Error{argv_[0] + " could not be run"};
        return Error{argv_[0] +
                     (WIFEXITED(status)
                          ? " exited with status " + std::to_string(WEXITSTATUS(status))
                          : " was killed by signal " + std::to_string(WTERMSIG(status)))};
    }

private:
    std::vector<std::string> argv_;
    std::chrono::seconds timeout_;
};

} // namespace

std::unique_ptr<AlertSink> make_exec_sink(const std::vector<std::string>& argv,
                                          std::chrono::seconds timeout) {
    return std::make_unique<ExecSink>(argv, timeout);
}

} // namespace danemon::alert
