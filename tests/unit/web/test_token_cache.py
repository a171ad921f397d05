"""The token cache: answers last a few seconds, refusals too, both sides bounded, and a
revocation forgets at once, even an answer that was still on its way."""

from __future__ import annotations

from ccc_telephony.web.token_cache import Hit, TokenCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _cache(clock: Clock, max_entries: int = 100) -> TokenCache[str]:
    return TokenCache(ttl=5.0, max_entries=max_entries, clock=clock)


def test_answers_and_refusals_last_the_ttl() -> None:
    clock = Clock()
    cache = _cache(clock)
    assert cache.get("good") is None
    cache.put("good", "maria", cache.generation())
    cache.put("bad", None, cache.generation())
    clock.now = 4.9
    assert (cache.get("good"), cache.get("bad")) == (Hit("maria"), Hit(None))
    clock.now = 5.0
    assert (cache.get("good"), cache.get("bad")) == (None, None)


def test_a_flood_of_refusals_cannot_push_out_the_tokens_in_use() -> None:
    clock = Clock()
    cache = _cache(clock, max_entries=3)
    cache.put("good", "maria", cache.generation())
    for n in range(1000):
        cache.put(f"made-up-{n}", None, cache.generation())
    assert cache.get("good") == Hit("maria")
    assert cache.get("made-up-999") == Hit(None) and cache.get("made-up-996") is None
    for n in range(3):
        cache.put(f"other-{n}", f"agent-{n}", cache.generation())
    assert cache.get("good") is None  # bounded too, least recently used first


def test_forgetting_drops_matches_and_any_answer_still_on_its_way() -> None:
    clock = Clock()
    cache = _cache(clock)
    cache.put("hers", "maria", cache.generation())
    cache.put("his", "tou", cache.generation())
    in_flight = cache.generation()  # a look-up starts...
    cache.forget(lambda agent: agent == "maria")  # ...maria's tokens are revoked meanwhile
    cache.put("hers-too", "maria", in_flight)  # ...and its stale answer arrives
    assert cache.get("hers") is None and cache.get("hers-too") is None
    assert cache.get("his") == Hit("tou")
