// Submitting one message over plain SMTP to the local MTA (default 127.0.0.1:25): how the
// daemon sends alert mail, since a sandboxed service cannot run the setgid sendmail binary.
#pragma once

#include <chrono>
#include <cstdint>
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

// Empty when the server accepted the message (250 after DATA); otherwise one phrase saying
// which step failed and what the server said. Dot-stuffing and CRLF line ends are applied
// here. Addresses or a HELO name containing spaces or control characters are refused.
std::string submit(const Submission& submission);

} // namespace danemon::smtp
