"""Free UDP ports for SIPp, chosen by the kernel, so that a SIPp still retransmitting from an
earlier test or run (it may for 32 s) never shares a port with a new one."""

from __future__ import annotations

import socket


def free_udp_port(*, even: bool = False) -> int:
    """A UDP port nobody holds now (even, for an RTP port whose RTCP is the next one up)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if not even or port % 2 == 0:
            return port
