#!/usr/bin/env python3
"""Broken name servers for the danemon lab: one process serving every [[nameserver]].

    hostile_dns.py [--connection-cap SECONDS] [--max-connections N] [--user USER]
                   [--upstream ADDRESS:PORT] NAME=KIND@ADDRESS:PORT ...

Kinds (each on UDP and TCP):
  sink      reads every query and never answers (UDP datagrams are dropped; TCP connections
            are accepted, read and held until the client closes or the cap)
  servfail  answers every query with RCODE SERVFAIL (the question echoed, nothing else)
  refused   answers every query with RCODE REFUSED

Bounded on purpose: a TCP connection is closed after --connection-cap seconds whatever
happens; beyond --max-connections concurrent TCP connections new ones are closed at once.
All sockets are bound before anything is served (exit 1 when a bind fails); with --user the
process then drops root. Started, PID-recorded, watched and stopped by lab.py (`up`,
watchdog, `down`). One log line per UDP query answered or dropped, per TCP connection.

Python standard library only.
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket
import struct
import sys
import threading
import time

from lab_peer import drop_privileges, endpoint_parser, log, serve_connections

KINDS = {"sink": None, "servfail": 2, "refused": 5,  # kind -> RCODE answered (None: silence)
         "drop-first": None}                           # forwarded, see forward()
UPSTREAM: tuple[str, int] | None = None  # --upstream, for drop-first
COPIES: dict[tuple, int] = {}  # drop-first: copies seen per (client, question, CD)
COPIES_LOCK = threading.Lock()


def forward(query: bytes, tcp: bool = False) -> bytes | None:
    """QUERY asked of the upstream resolver; its reply, or None after 3 s."""
    family = socket.AF_INET6 if ":" in UPSTREAM[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        try:
            if tcp:
                s.connect(UPSTREAM)
                s.sendall(struct.pack("!H", len(query)) + query)
                length = struct.unpack("!H", read_exactly(s, 2, time.monotonic() + 3))[0]
                return read_exactly(s, length, time.monotonic() + 3)
            s.sendto(query, UPSTREAM)
            return s.recvfrom(65535)[0]
        except (OSError, ConnectionError, TimeoutError):
            return None


def drop_first_reply(query: bytes, client: str) -> bytes | None:
    """drop-first over UDP: None for an odd copy of a question, the upstream's reply for an
    even one."""
    end = question_end(query)
    if len(query) < 12 or end is None:
        return None
    cd = bool(struct.unpack("!H", query[2:4])[0] & 0x0010)
    key = (client, query[12:end].lower(), cd)
    with COPIES_LOCK:
        COPIES[key] = COPIES.get(key, 0) + 1
        copy = COPIES[key]
    return forward(query) if copy % 2 == 0 else None


def question_end(query: bytes) -> int | None:
    """Offset after the first question of QUERY (uncompressed name + type + class)."""
    pos = 12
    while pos < len(query):
        length = query[pos]
        if length == 0:
            return pos + 5 if pos + 5 <= len(query) else None
        if length >= 0xC0:
            return None
        pos += 1 + length
    return None


def error_reply(query: bytes, rcode: int) -> bytes | None:
    """QUERY answered with RCODE: same id, QR set, opcode and RD kept, the question echoed."""
    if len(query) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", query[:6])
    end = question_end(query) if qdcount == 1 else None
    question = query[12:end] if end else b""
    reply_flags = 0x8000 | (flags & 0x7900) | rcode  # QR, opcode, RD; RA clear
    return struct.pack("!HHHHHH", qid, reply_flags, 1 if question else 0, 0, 0, 0) + question


def qname(query: bytes) -> str:
    labels, pos = [], 12
    while pos < len(query) and 0 < query[pos] < 0xC0:
        labels.append(query[pos + 1:pos + 1 + query[pos]].decode("ascii", "replace"))
        pos += 1 + query[pos]
    return ".".join(labels) + "."


def serve_udp(sock: socket.socket, name: str, kind: str) -> None:
    while True:
        try:
            query, peer = sock.recvfrom(65535)
        except OSError as e:
            log(f"{name} ({kind}) udp receive failed: {e}")
            time.sleep(0.5)
            continue
        if kind == "drop-first":
            reply = drop_first_reply(query, peer[0])
        else:
            reply = error_reply(query, KINDS[kind]) if KINDS[kind] is not None else None
        if reply:
            try:
                sock.sendto(reply, peer)
            except OSError:
                pass
        log(f"{name} ({kind}) udp {peer[0]}:{peer[1]} {qname(query)} "
            f"{'answered' if reply else 'dropped'}")


def read_exactly(sock: socket.socket, count: int, deadline: float) -> bytes:
    data = b""
    while len(data) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("connection cap reached")
        sock.settimeout(left)
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("client closed")
        data += chunk
    return data


def serve_tcp(sock: socket.socket, peer, name: str, kind: str, cap: float) -> None:
    started, deadline, queries, reason = time.monotonic(), time.monotonic() + cap, 0, "done"
    try:
        while True:  # RFC 7766: several length-prefixed queries per connection
            length = struct.unpack("!H", read_exactly(sock, 2, deadline))[0]
            query = read_exactly(sock, length, deadline)
            queries += 1
            if kind == "drop-first":
                reply = forward(query, tcp=True)
            else:
                reply = error_reply(query, KINDS[kind]) if KINDS[kind] is not None else None
            if reply:
                sock.sendall(struct.pack("!H", len(reply)) + reply)
    except (OSError, ConnectionError, TimeoutError) as e:
        reason = str(e) or type(e).__name__
    finally:
        sock.close()
    log(f"{name} ({kind}) tcp {peer[0]}:{peer[1]} closed after "
        f"{time.monotonic() - started:.1f}s: {reason}; {queries} queries")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description="broken name servers for the danemon lab")
    p.add_argument("--connection-cap", type=float, default=120.0,
                   help="seconds after which any TCP connection is closed (default 120)")
    p.add_argument("--max-connections", type=int, default=32,
                   help="concurrent TCP connections over all servers (default 32)")
    p.add_argument("--user", default="", help="drop root to this user after binding")
    p.add_argument("--upstream", default="",
                   help="ADDRESS:PORT of the resolver drop-first forwards to")
    p.add_argument("nameservers", nargs="+", type=endpoint_parser(KINDS), metavar="NAME=KIND@ADDR:PORT")
    args = p.parse_args(argv)
    global UPSTREAM
    if args.upstream:
        address, port = args.upstream.rsplit(":", 1)
        UPSTREAM = (address, int(port))
    if any(kind == "drop-first" for _, kind, _, _ in args.nameservers) and not UPSTREAM:
        p.error("drop-first needs --upstream ADDRESS:PORT")

    sel = selectors.DefaultSelector()
    udp = []
    for name, kind, address, port in args.nameservers:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # no SO_REUSEPORT: exclusive
        try:
            u.bind((address, port))
            t.bind((address, port))
        except OSError as e:
            log(f"cannot bind {address}:{port} for {name}: {e}")
            return 1
        t.listen(16)
        t.setblocking(False)
        sel.register(t, selectors.EVENT_READ, (name, kind))
        udp.append((u, name, kind))
        log(f"{name} ({kind}) serving udp+tcp on {address}:{port}")
    drop_privileges(args.user)
    for u, name, kind in udp:
        threading.Thread(target=serve_udp, args=(u, name, kind), daemon=True).start()
    log(f"pid {os.getpid()} serving; tcp connection cap {args.connection_cap:g}s, "
        f"at most {args.max_connections} tcp connections")

    serve_connections(sel, args.max_connections, serve_tcp, args.connection_cap, "tcp")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(0)
