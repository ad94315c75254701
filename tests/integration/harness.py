"""What the integration scripts share: failures as values of one kind, bounded waiting,
and throw-away certificates made with the openssl tool."""
import os
import subprocess
import time


class Failure(Exception):
    pass


def expect(cond, message):
    if not cond:
        raise Failure(message)


def wait_for(what, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise Failure(f"timed out after {timeout} s waiting for {what}")


def self_signed_cert(path, host, key_file=None):
    """A certificate for HOST at PATH: for KEY_FILE when given (DANE-EE: the key is what
    counts), else for a new P-256 key that is thrown away."""
    key = ["-key", key_file] if key_file else [
        "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", os.devnull]
    subprocess.run(["openssl", "req", "-new", "-x509", *key, "-subj", "/CN=" + host,
                    "-addext", "subjectAltName=DNS:" + host, "-days", "30", "-out", path],
                   check=True, capture_output=True, timeout=30)
    return path
