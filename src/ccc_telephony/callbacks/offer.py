"""The caller's side of a callback: they keyed 1 while waiting (app_queue's `context=` sent them
to our app), confirm the number they call from or key another, hear thanks and hang up. A
caller who changes their mind (*, or no valid number after a few tries) goes back to their
place in line, never to its end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ccc_telephony.asterisk.ari import AriError
from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.callbacks.rules import callback_number, spoken_digits

MAX_TRIES = 3
INTER_DIGIT_SECONDS = 4
Media = Callable[[str, str], str | None]


@dataclass(frozen=True, slots=True)
class Answer:
    """What the caller chose: the number to call them back at, or None (keep waiting)."""

    number: str | None
    from_caller_id: bool = False


class NumberQuestion:
    def __init__(self, channel: StasisChannel, *, language: str, media: Media, first: float):
        self._channel = channel
        self._language = language
        self._media = media
        self._first = first

    def _sounds(self, *names: str) -> list[str]:
        found = (self._media(name, self._language) for name in names)
        return [uri for uri in found if uri]

    async def ask(self) -> Answer:
        """Their caller ID if it can be called back and they confirm it (1), else the ten
        digits they key (ended by #)."""
        known = callback_number(self._channel.caller_number)
        for _ in range(MAX_TRIES):
            prompt = (
                self._sounds("callback_number_is", *spoken_digits(known), "callback_confirm")
                if known
                else self._sounds("callback_enter_number")
            )
            first = await self._channel.ask_one_digit(prompt, timeout=self._first)
            if first == "*":
                return Answer(None)
            if first == "1" and known:
                return Answer(known, from_caller_id=True)
            if first:
                rest, _ = await self._channel.read_digits(
                    max_digits=10,
                    first_timeout=INTER_DIGIT_SECONDS,
                    inter_timeout=INTER_DIGIT_SECONDS,
                )
                self._channel.flush_digits()
                if "*" in rest:
                    return Answer(None)
                keyed = callback_number(first + rest)
                if keyed is not None:
                    return Answer(keyed)
            await self._channel.play(self._sounds("callback_invalid"), interruptible=False)
        return Answer(None)

    async def say(self, *names: str) -> None:
        try:
            await self._channel.play(self._sounds(*names), interruptible=False)
        except AriError:
            return  # a goodbye that cannot be played changes nothing
