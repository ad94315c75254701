#!/usr/bin/env python3
"""Hostile SMTP peers for the danemon lab: one process serving every hostile listener.

    hostile_smtp.py [--connection-cap SECONDS] [--max-connections N] [--user USER]
                    NAME=KIND@ADDRESS:PORT ...

Kinds:
  silent                accepts the TCP connection and never sends anything; reads and
                        discards whatever the client sends until it closes (or the cap)
  trickle               sends the 220 banner one byte every 2 seconds; after that, answers
                        every command line with a trickled 421 and closes
  endless-continuation  sends a 220 banner at once, then answers the first command (EHLO)
                        with an endless stream of "250-..." lines, one every 10 ms, until
                        the client closes (or the cap)

Bounded on purpose: every connection runs in its own daemon thread and is closed after
--connection-cap seconds whatever happens; beyond --max-connections concurrent connections,
new ones are closed at once. All sockets are bound before anything is served (exit 1 when a
bind fails); with --user the process then drops root. Started, PID-recorded, watched and
stopped by lab.py (`up`, watchdog, `down`). One log line per connection on stdout.

Python standard library only.
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket
import sys
import time

from lab_peer import drop_privileges, endpoint_parser, log, serve_connections

KINDS = ("silent", "trickle", "endless-continuation")
TRICKLE_INTERVAL = 2.0
ENDLESS_INTERVAL = 0.01


class Closed(Exception):
    """The client closed the connection, or the connection's cap was reached."""


class Connection:
    """One client connection with a hard deadline on every operation."""

    def __init__(self, sock: socket.socket, cap: float):
        self.sock = sock
        self.deadline = time.monotonic() + cap
        self.buffer = b""
        self.sent = 0
        self.received = 0

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Closed("connection cap reached")
        return left

    def sleep(self, seconds: float) -> None:
        """Waits SECONDS (bounded by the cap), noticing a client close meanwhile."""
        end = min(time.monotonic() + seconds, self.deadline)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                self.remaining()
                return
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except (socket.timeout, BlockingIOError):
                continue
            if not data:
                raise Closed("client closed")
            self.received += len(data)
            self.buffer += data
            self.buffer = self.buffer[-65536:]

    def send(self, data: bytes) -> None:
        self.sock.settimeout(min(self.remaining(), 10.0))
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise Closed("client does not read") from None
        self.sent += len(data)

    def read_line(self) -> bytes:
        while b"\n" not in self.buffer:
            self.sock.settimeout(self.remaining())
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not data:
                raise Closed("client closed")
            self.received += len(data)
            self.buffer = (self.buffer + data)[-65536:]
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def drain_until_closed(self) -> None:
        while True:
            self.sleep(60.0)


def serve_silent(conn: Connection, name: str) -> None:
    conn.drain_until_closed()


def serve_trickle(conn: Connection, name: str) -> None:
    for byte in f"220 {name}.lab.test ESMTP trickle\r\n".encode():
        conn.send(bytes([byte]))
        conn.sleep(TRICKLE_INTERVAL)
    conn.read_line()
    for byte in b"421 4.4.2 too slow, closing\r\n":
        conn.send(bytes([byte]))
        conn.sleep(TRICKLE_INTERVAL)


def serve_endless(conn: Connection, name: str) -> None:
    conn.send(f"220 {name}.lab.test ESMTP endless\r\n".encode())
    conn.read_line()  # EHLO (or whatever comes first)
    n = 0
    while True:
        n += 1
        conn.send(f"250-X-ENDLESS-{n:08d} xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n".encode())
        conn.sleep(ENDLESS_INTERVAL)


HANDLERS = {"silent": serve_silent, "trickle": serve_trickle,
            "endless-continuation": serve_endless}


def handle(sock: socket.socket, peer, name: str, kind: str, cap: float) -> None:
    started = time.monotonic()
    conn = Connection(sock, cap)
    reason = "done"
    try:
        HANDLERS[kind](conn, name)
    except Closed as e:
        reason = str(e)
    except OSError as e:
        reason = f"socket error: {e}"
    except Exception as e:  # never let one connection take the server down
        reason = f"internal error: {type(e).__name__}: {e}"
    finally:
        sock.close()
    log(f"{name} ({kind}) {peer[0]}:{peer[1]} closed after {time.monotonic() - started:.1f}s: "
        f"{reason}; sent {conn.sent} bytes, received {conn.received}")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description="hostile SMTP peers for the danemon lab")
    p.add_argument("--connection-cap", type=float, default=120.0,
                   help="seconds after which any connection is closed (default 120)")
    p.add_argument("--max-connections", type=int, default=32,
                   help="concurrent connections over all listeners (default 32)")
    p.add_argument("--user", default="", help="drop root to this user after binding")
    p.add_argument("listeners", nargs="+", type=endpoint_parser(KINDS), metavar="NAME=KIND@ADDR:PORT")
    args = p.parse_args(argv)

    sel = selectors.DefaultSelector()
    for name, kind, address, port in args.listeners:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # no SO_REUSEPORT: exclusive
        try:
            s.bind((address, port))
        except OSError as e:
            log(f"cannot bind {address}:{port} for {name}: {e}")
            return 1
        s.listen(16)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, (name, kind))
        log(f"{name} ({kind}) listening on {address}:{port}")
    drop_privileges(args.user)
    log(f"pid {os.getpid()} serving; connection cap {args.connection_cap:g}s, "
        f"at most {args.max_connections} connections")

    serve_connections(sel, args.max_connections, handle, args.connection_cap)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(0)
