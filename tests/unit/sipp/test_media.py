"""The Python RTP party the SIP tests hear with: G.711 mu-law both ways, the tone measure, and
two parties on localhost hearing each other's tones."""

from __future__ import annotations

import math

from tests.sipp.media import ULAW_TO_LINEAR, RtpParty, _ulaw_encode, level, tone_share


def test_mu_law_round_trip_keeps_each_code() -> None:
    assert all(_ulaw_encode(ULAW_TO_LINEAR[code]) == code for code in range(256) if code != 0x7F)
    assert abs(ULAW_TO_LINEAR[_ulaw_encode(1000)] - 1000) < 40


def test_tone_share_tells_tones_apart() -> None:
    def tone(hz: float) -> list[int]:
        return [int(8000 * math.sin(2 * math.pi * hz * n / 8000)) for n in range(3200)]

    both = [a + b for a, b in zip(tone(600), tone(1400), strict=True)]
    assert tone_share(tone(600), 600) > 0.9
    assert tone_share(tone(600), 1400) < 0.01
    assert 0.4 < tone_share(both, 1400) < 0.6
    assert tone_share([0] * 800, 600) == 0.0
    assert 0.15 < level(tone(600)) < 0.2


async def test_two_parties_hear_each_other() -> None:
    async with RtpParty(tone_hz=600) as left, RtpParty(tone_hz=1400) as right:
        left.send_to(right.port)
        right.send_to(left.port)
        await right.hears(600, share=0.8, timeout=5)
        await left.hears(1400, share=0.8, timeout=5)
        assert right.share(1400) < 0.05
