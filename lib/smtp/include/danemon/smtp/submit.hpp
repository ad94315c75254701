// Submitting one message over plain SMTP to the local MTA (default 127.0.0.1:25): how the
// daemon sends alert mail, since a sandboxed service cannot run the setgid sendmail binary.
#pragma once

#include "danemon/expected/expected.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace danemon::smtp {

struct Submission {
    std::string server = "127.0.0.1"; // numeric address
    std::uint16_t port = 25;
    std::string helo_name = "localhost";
    std::string from;                         // envelope sender: an address without <>
    std::vector<std::string> to;              // envelope recipients
    std::string message;                      // headers and body, lines ending in CRLF or LF
    std::chrono::milliseconds timeout{30000}; // the whole dialogue
};

// Called once, as soon as the server accepted the message (its 250 reply to the final dot)
// and before the courteous QUIT, whose reply a slow server may keep back: the moment a caller
// records the message as sent.
using Accepted = std::function<void()>;

// Success when the server accepted the message (250 after DATA); otherwise one phrase saying
// which step failed and what the server said. Dot-stuffing and CRLF line ends are applied
// here. Addresses or a HELO name containing spaces or control characters are refused.
Expected<void> submit(const Submission& submission, const Accepted& accepted = {});

} // namespace danemon::smtp
