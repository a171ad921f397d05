"""A SIP party's audio in Python, beside the SIPp that does its SIP: SIPp's SDP names this
party's port (`Identity.rtp_port`), the scenario reports the other side's port (`media(...)`),
and the party sends a PCMU tone of its own frequency (or silence) every 20 ms and keeps what it
receives. A test then asks who hears whom: the share of the received audio's energy at a
frequency (Goertzel), over a stretch of time.

    async with RtpParty(tone_hz=600) as caller_audio:
        ...  # the SIPp caller's Identity(rtp_port=caller_audio.port); once answered:
        caller_audio.send_to(await sipp_call.media(call_id))
        await caller_audio.hears(1000)  # the agent's tone arrives

Sending starts at once towards the given port and also answers wherever Asterisk's RTP comes
from (rtp_symmetric): a party always sends, as real phones do, so audio Asterisk mixes into a
channel's incoming stream (a whisper) always has frames to ride on.
"""

from __future__ import annotations

import asyncio
import math
import random
import socket
import struct
import time
from collections.abc import Sequence
from typing import Self

SAMPLE_RATE = 8000
FRAME_SAMPLES = 160  # 20 ms
_PCMU = 0
_BIAS = 0x84


def _ulaw_decode(byte: int) -> int:
    value = ~byte & 0xFF
    magnitude = ((value & 0x0F) << 3) + _BIAS
    magnitude <<= (value & 0x70) >> 4
    return _BIAS - magnitude if value & 0x80 else magnitude - _BIAS


def _ulaw_encode(sample: int) -> int:
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + _BIAS
    exponent = 7
    while exponent > 0 and not magnitude & (0x4000 >> (7 - exponent)):
        exponent -= 1
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


ULAW_TO_LINEAR = [_ulaw_decode(b) for b in range(256)]


def tone_share(samples: Sequence[int], hz: float) -> float:
    """How much of the samples' energy is at `hz` (0..1; about 1 for a pure tone, 1/2 for one of
    two equal tones, 0 for silence or other frequencies). Goertzel over the whole stretch."""
    energy = sum(s * s for s in samples)
    if not samples or energy == 0:
        return 0.0
    coefficient = 2 * math.cos(2 * math.pi * hz / SAMPLE_RATE)
    previous = before = 0.0
    for sample in samples:
        previous, before = sample + coefficient * previous - before, previous
    power = previous * previous + before * before - coefficient * previous * before
    return min(1.0, power / (len(samples) / 2 * energy))


def level(samples: Sequence[int]) -> float:
    """RMS of the samples, 0..1 of full scale."""
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, party: RtpParty) -> None:
        self._party = party

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self._party.received_packet(data, addr)


class RtpParty:
    def __init__(
        self, *, tone_hz: float | None = None, amplitude: float = 0.3, port: int = 0
    ) -> None:
        """`tone_hz` None: the party sends silence. `port` 0: an even port the kernel picks."""
        self.tone_hz = tone_hz
        self.amplitude = amplitude
        self.port = port  # the one bound, once started
        self._remote: tuple[str, int] | None = None
        self._transport: asyncio.DatagramTransport | None = None
        self._sender: asyncio.Task[None] | None = None
        self._received: list[tuple[float, bytes]] = []  # (monotonic arrival, PCMU payload)
        self._arrived = asyncio.Event()
        self._phase = 0
        self._ssrc = random.getrandbits(32)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", self.port))
        while sock.getsockname()[1] % 2:  # RTP on an even port, RTCP (ignored) the next one up
            sock.close()
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), sock=sock)
        self._sender = asyncio.create_task(self._send_frames())

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
        if self._transport is not None:
            self._transport.close()

    def send_to(self, port: int, host: str = "127.0.0.1") -> None:
        """Where the other side's SDP said to send (SIPp's `media(call_id)`)."""
        self._remote = (host, port)

    # --- what we hear -----------------------------------------------------------------------

    def received_packet(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < 12 or data[0] >> 6 != 2 or data[1] & 0x7F != _PCMU:
            return  # not RTP, or not PCMU (RTCP, telephone-event)
        self._remote = self._remote or addr
        self._received.append((time.monotonic(), data[12:]))
        self._arrived.set()

    def heard(self, *, since: float = 0.0, until: float | None = None) -> list[int]:
        """The samples received from `since` to `until` (monotonic times)."""
        end = math.inf if until is None else until
        return [
            ULAW_TO_LINEAR[byte]
            for at, payload in self._received
            if since <= at < end
            for byte in payload
        ]

    def share(self, hz: float, *, since: float = 0.0, until: float | None = None) -> float:
        return tone_share(self.heard(since=since, until=until), hz)

    async def hears(
        self, hz: float, *, share: float = 0.2, window_s: float = 0.4, timeout: float = 10
    ) -> float:
        """Until the last `window_s` of received audio carries `hz` (at least `share` of its
        energy); the moment it did. TimeoutError if it never does."""
        async with asyncio.timeout(timeout):
            while True:
                now = time.monotonic()
                if self.share(hz, since=now - window_s) >= share:
                    return now
                self._arrived.clear()
                await self._arrived.wait()

    async def hears_besides(
        self, hz: float, *, share: float = 0.93, window_s: float = 1.0, timeout: float = 10
    ) -> float:
        """Until the last `window_s` of received audio has something besides `hz` (its share
        below `share`: a pure tone keeps over 0.99), e.g. a prompt mixed over the other
        party's tone; the moment it did. TimeoutError if it never does."""
        async with asyncio.timeout(timeout):
            while True:
                now = time.monotonic()
                heard = self.heard(since=now - window_s)
                if len(heard) >= window_s * SAMPLE_RATE * 0.8 and tone_share(heard, hz) < share:
                    return now
                self._arrived.clear()
                await self._arrived.wait()

    async def listens(self, seconds: float, *, timeout: float = 10) -> None:
        """Until `seconds` more of audio have arrived (counted in samples, not wall time)."""
        wanted = sum(len(payload) for _, payload in self._received) + seconds * SAMPLE_RATE
        async with asyncio.timeout(timeout):
            while sum(len(payload) for _, payload in self._received) < wanted:
                self._arrived.clear()
                await self._arrived.wait()

    # --- what we say ------------------------------------------------------------------------

    async def _send_frames(self) -> None:
        """One 20 ms PCMU frame per tick, on an absolute schedule (no drift)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        for sequence in range(1 << 30):
            if self._remote is not None and self._transport is not None:
                header = struct.pack(
                    "!BBHII",
                    0x80,
                    _PCMU,
                    sequence & 0xFFFF,
                    (sequence * FRAME_SAMPLES) & 0xFFFFFFFF,
                    self._ssrc,
                )
                self._transport.sendto(header + self._frame(), self._remote)
            await asyncio.sleep(max(0.0, start + (sequence + 1) * 0.02 - loop.time()))

    def _frame(self) -> bytes:
        if self.tone_hz is None:
            return bytes([0xFF]) * FRAME_SAMPLES
        step = 2 * math.pi * self.tone_hz / SAMPLE_RATE
        peak = self.amplitude * 32767
        frame = bytes(
            _ulaw_encode(int(peak * math.sin(step * (self._phase + n))))
            for n in range(FRAME_SAMPLES)
        )
        self._phase += FRAME_SAMPLES
        return frame
