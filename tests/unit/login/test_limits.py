"""Failed logins are limited per person and per peer, within a sliding window."""

from __future__ import annotations

from ccc_telephony.login.limits import FailedLogins, Refusal


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_persons_failures_lock_them_out_until_the_oldest_leaves_the_window() -> None:
    ticks = Ticks()
    limits = FailedLogins(per_user=3, per_peer=100, window=60, clock=ticks)
    for _ in range(3):
        assert limits.refused("maria", "10.0.0.1") is None
        limits.failed("maria", "10.0.0.1")
        ticks.now += 10
    # From another machine too: it is maria's account that is being guessed.
    assert limits.refused("maria", "10.0.0.2") == Refusal("user", 31)
    assert limits.refused("jose", "10.0.0.1") is None
    ticks.now += 31
    assert limits.refused("maria", "10.0.0.1") is None


def test_one_peer_guessing_many_people_is_stopped_too() -> None:
    ticks = Ticks()
    limits = FailedLogins(per_user=100, per_peer=3, window=60, clock=ticks)
    for user in ("a", "b", "c"):
        limits.failed(user, "10.0.0.9")
    refusal = limits.refused("d", "10.0.0.9")
    assert refusal is not None and refusal.key == "peer"
    assert limits.refused("d", "10.0.0.8") is None


def test_getting_in_clears_the_persons_count() -> None:
    limits = FailedLogins(per_user=2, per_peer=100, window=60, clock=Ticks())
    limits.failed("maria", "p")
    limits.succeeded("maria")
    limits.failed("maria", "p")
    assert limits.refused("maria", "p") is None
