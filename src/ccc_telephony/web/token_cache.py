"""A short memory of bearer-token look-ups, so that a token costs the database one query every
few seconds instead of one per request.

Tokens found and tokens refused are kept apart, each side bounded (least recently used goes
first): a flood of made-up tokens fills only the refused side and cannot push out the tokens
staff are using. Forgetting (a revocation in this process) takes effect at once, also for a
look-up already under way when it happened: its answer is dropped instead of kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Hit(Generic[V]):
    value: V | None  # None: the token was refused


class TokenCache(Generic[V]):
    def __init__(
        self, *, ttl: float, max_entries: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._found: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._refused: OrderedDict[str, float] = OrderedDict()
        self._generation = 0

    def get(self, key: str) -> Hit[V] | None:
        """What the last look-up of `key` answered, while it is fresh."""
        now = self._clock()
        found = self._found.get(key)
        if found is not None and found[0] > now:
            self._found.move_to_end(key)
            return Hit(found[1])
        refused = self._refused.get(key)
        if refused is not None and refused > now:
            return Hit(None)
        return None

    def generation(self) -> int:
        """Taken before a look-up and given back to `put`, which then drops a stale answer."""
        return self._generation

    def put(self, key: str, value: V | None, generation: int) -> None:
        if generation != self._generation:
            return  # something was forgotten while this look-up ran
        expires = self._clock() + self._ttl
        self._found.pop(key, None)
        self._refused.pop(key, None)
        if value is None:
            self._refused[key] = expires
            _trim(self._refused, self._max)
        else:
            self._found[key] = (expires, value)
            _trim(self._found, self._max)

    def forget(self, match: Callable[[V], bool]) -> None:
        """Drop every found token whose value matches, and any answer still on its way."""
        self._generation += 1
        for key in [k for k, (_, value) in self._found.items() if match(value)]:
            del self._found[key]


def _trim(entries: OrderedDict[str, Any], limit: int) -> None:
    while len(entries) > limit:
        entries.popitem(last=False)
