"""Free UDP ports for SIPp and the RTP parties.

SIP ports are chosen by the kernel, so that a SIPp still retransmitting from an earlier test
or run (it may for 32 s) never shares a port with a new one. Media ports come from the test
instance's own range (`Ports.test_media`, below the kernel's ephemeral ports): SIPp binds its
media port and the two above it (video), and a port the kernel hands out meanwhile (another
SIPp's, the other parallel worker's) could otherwise take one of them first.
"""

from __future__ import annotations

import itertools
import socket

from tests.integration.support.database import TEST_INSTANCE

_MEDIA_BLOCK = 4  # RTP, RTCP, and SIPp's video pair
_media_blocks = itertools.cycle(TEST_INSTANCE.ports.test_media[::_MEDIA_BLOCK])


def free_udp_port(*, even: bool = False) -> int:
    """A UDP port nobody holds now; `even=True`: a media port (see `media_port`)."""
    if even:
        return media_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def media_port() -> int:
    """The first of four free UDP ports in a row in the test instance's media range (the
    range is this worker's alone: each parallel worker has an instance of its own)."""
    for first in itertools.islice(_media_blocks, len(TEST_INSTANCE.ports.test_media)):
        if all(_free(port) for port in range(first, first + _MEDIA_BLOCK)):
            return first
    raise RuntimeError(f"no free media ports in {TEST_INSTANCE.ports.test_media}")


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def closed_tcp_port() -> int:
    """A local TCP port nothing listens on (a server that is away: SMTP, for one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
