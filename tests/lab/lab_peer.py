"""What the lab's hostile Python peers (hostile_smtp.py, hostile_dns.py) share: the log line,
the NAME=KIND@ADDRESS:PORT argument, dropping root after binding and the bounded accept loop.
Standard library only."""

from __future__ import annotations

import argparse
import os
import pwd
import selectors
import threading
import time
from collections.abc import Iterable


def log(message: str) -> None:
    print(f"{time.strftime('%F %T')} {message}", flush=True)


def endpoint_parser(kinds: Iterable[str]):
    """An argparse type for NAME=KIND@ADDRESS:PORT with KIND one of KINDS; yields
    (name, kind, address, port)."""
    kinds = tuple(kinds)

    def parse(text: str) -> tuple[str, str, str, int]:
        try:
            name, rest = text.split("=", 1)
            kind, where = rest.split("@", 1)
            address, port = where.rsplit(":", 1)
            if kind not in kinds:
                raise ValueError
            return name, kind, address, int(port)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r}: expected NAME=KIND@ADDRESS:PORT, KIND one of {', '.join(kinds)}")

    return parse


def drop_privileges(user: str) -> None:
    if os.geteuid() != 0 or not user:
        return
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        log(f"user {user} unknown; keeping the current user")
        return
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)


def serve_connections(sel: selectors.BaseSelector, max_connections: int, handle, cap: float,
                      transport: str = "") -> None:
    """Accepts on every listening socket registered in SEL (data: (name, kind)) forever, each
    connection on its own thread as handle(sock, peer, name, kind, cap), at most
    MAX_CONNECTIONS at once; TRANSPORT ("tcp") only goes into the log lines."""
    slots = threading.BoundedSemaphore(max_connections)
    label = f" {transport}" if transport else ""

    def run(sock, peer, name, kind):
        try:
            handle(sock, peer, name, kind, cap)
        finally:
            slots.release()

    while True:
        for key, _ in sel.select():
            name, kind = key.data
            try:
                sock, peer = key.fileobj.accept()
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:  # e.g. EMFILE: back off instead of spinning
                log(f"{name}: accept failed: {e}")
                time.sleep(0.5)
                continue
            if not slots.acquire(blocking=False):
                log(f"{name} ({kind}){label} {peer[0]}:{peer[1]} refused: too many connections")
                sock.close()
                continue
            sock.setblocking(True)
            threading.Thread(target=run, args=(sock, peer, name, kind), daemon=True).start()
