"""Shared by the website's tests: one offline build per test process, and what must not leak.

Both site test modules are pinned to one xdist worker (`xdist_group("site")`), so the
cached build below runs once per test session.
"""

import contextlib
import functools
import ipaddress
import re
import socket
from collections.abc import Iterator
from pathlib import Path

from autograder.assignments import Assignment
from autograder.site import SiteBuild, build

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "site"
# Lines this long are specific enough that finding one on a page means it leaked.
DISTINCTIVE_LENGTH = 20
_REGION = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)")


class NetworkUsed(AssertionError):
    """Something tried to reach a host other than this machine."""


@contextlib.contextmanager
def network_blocked() -> Iterator[list[str]]:
    """Fails any connection to a non-loopback address while the block runs."""
    attempts: list[str] = []
    original_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            attempts.append(repr(address))
            raise NetworkUsed(f"network access during the site build: {address!r}")
        return original_connect(self, address)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    try:
        yield attempts
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]


def _is_loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else str(address)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@functools.cache
def offline_build(out: Path) -> tuple[SiteBuild, tuple[str, ...]]:
    """Builds the site into `out` with the network blocked; returns the build and any
    connection attempts (there must be none)."""
    with network_blocked() as attempts:
        site = build(out=out, root=ROOT)
    return site, tuple(attempts)


def secret_lines(assignment: Assignment) -> list[str]:
    """Lines of the assignment's sources that exist only inside solution or hidden-test
    regions, long enough to be distinctive. None of them may appear on the site.

    A line that also occurs outside those regions (inside a longer line, say, as in a
    visible test calling the same helper) is public and left out.
    """
    inside, outside = set(), []
    for source in assignment.sources:
        depth = 0
        for raw in source.read_text(encoding="utf-8").splitlines():
            marker = _REGION.search(raw)
            if marker:
                depth += 1 if marker.group(1) == "BEGIN" else -1
                continue
            line = normalized(raw.strip().removeprefix("#"))
            if depth:
                inside.add(line)
            else:
                outside.append(line)
    public = "\n".join(outside)
    return sorted(line for line in inside if len(line) >= DISTINCTIVE_LENGTH and line not in public)


def normalized(text: str) -> str:
    """Text as a reader sees it: Markdown emphasis and code marks dropped, spaces single."""
    return " ".join(re.sub(r"[`*]", "", text).split())
