"""Failed logins counted per person and per peer: past the limit, further tries are refused
without checking the password until the oldest failure leaves the window. Guessing one
person's password from many machines, or many people's from one, both stop quickly.

In memory, per process: a restart forgets the counts (a login costs an attacker a scrypt
hash and the window is minutes, so that is acceptable). The number of keys kept is bounded:
a flood of made-up usernames pushes out the oldest, never grows the memory.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 15 * 60.0
PER_USER = 5
PER_PEER = 20
MAX_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class Refusal:
    """Too many failures: whose (`user` or `peer`), and in how many seconds to try again."""

    key: str
    retry_after: int


class FailedLogins:
    def __init__(
        self,
        *,
        per_user: int = PER_USER,
        per_peer: int = PER_PEER,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"user": per_user, "peer": per_peer}
        self._window = window
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()

    def refused(self, user: str, peer: str) -> Refusal | None:
        """Whether a try by `user` from `peer` is refused now, and for how long."""
        now = self._clock()
        for kind, key in (("user", user), ("peer", peer)):
            times = self._recent((kind, key), now)
            if len(times) >= self._limits[kind]:
                return Refusal(kind, max(1, int(times[0] + self._window - now) + 1))
        return None

    def failed(self, user: str, peer: str) -> None:
        now = self._clock()
        for key in (("user", user), ("peer", peer)):
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
        while len(self._failures) > MAX_KEYS:
            self._failures.popitem(last=False)

    def succeeded(self, user: str) -> None:
        """The person got in: their own count starts again (their peer's does not)."""
        self._failures.pop(("user", user), None)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        return times
