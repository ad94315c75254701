"""What the lab's hostile Python peers (hostile_smtp.py, hostile_dns.py) share: the log line,
the NAME=KIND@ADDRESS:PORT argument and dropping root after binding. Standard library only."""

from __future__ import annotations

import argparse
import os
import pwd
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
