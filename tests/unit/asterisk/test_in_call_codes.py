"""The one listener for codes keyed during a call: each reaches its owner once, with what Asterisk
said trimmed; codes nobody owns and other user events are dropped; one failing code does not
silence the next."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ccc_telephony.asterisk.in_call_codes import InCallCodes, KeyedCode
from ccc_telephony.config.policy import Policy


class _Ami:
    def __init__(self) -> None:
        self.listeners: dict[str, Any] = {}

    def on_event(self, pattern: str, callback: Any) -> None:
        self.listeners[pattern] = callback


class _Message(dict[str, str]):
    pass


async def _keyed(codes: InCallCodes, ami: _Ami, **fields: str) -> None:
    ami.listeners["UserEvent"](None, _Message(fields))
    await asyncio.sleep(0)  # the handler's task runs (no I/O: one turn of the loop)
    await asyncio.sleep(0)


async def test_a_code_reaches_its_owner_with_the_agents_channel() -> None:
    ami = _Ami()
    codes = InCallCodes(ami)  # type: ignore[arg-type]
    seen: list[KeyedCode] = []

    async def owner(code: KeyedCode) -> None:
        seen.append(code)

    codes.on("ccc_threat", owner)
    codes.register()
    await _keyed(codes, ami, UserEvent="CCCFeature", Feature="ccc_threat", Channel="PJSIP/3101-01")
    await _keyed(codes, ami, UserEvent="Other", Feature="ccc_threat", Channel="PJSIP/3101-01")
    await _keyed(codes, ami, UserEvent="CCCFeature", Feature="ccc_nobody", Channel="PJSIP/3101-01")
    await _keyed(
        codes, ami, UserEvent="CCCFeature", Feature="ccc_threat", Channel="x", Value="9" * 500
    )
    assert seen == [
        KeyedCode(channel="PJSIP/3101-01", feature="ccc_threat", value=""),
        KeyedCode(channel="x", feature="ccc_threat", value="9" * 40),
    ]


async def test_a_failing_code_does_not_silence_the_next() -> None:
    ami = _Ami()
    codes = InCallCodes(ami)  # type: ignore[arg-type]
    seen: list[str] = []

    async def owner(code: KeyedCode) -> None:
        seen.append(code.value)
        if code.value == "boom":
            raise RuntimeError(code.value)

    codes.on("ccc_interpreter_id", owner)
    codes.register()
    for value in ("boom", "1234"):
        await _keyed(codes, ami, UserEvent="CCCFeature", Feature="ccc_interpreter_id", Value=value)
    assert seen == ["boom", "1234"]


def test_a_code_has_one_owner() -> None:
    codes = InCallCodes(_Ami())  # type: ignore[arg-type]

    async def owner(code: KeyedCode) -> None:
        return None

    codes.on("ccc_threat", owner)
    with pytest.raises(ValueError, match="owner"):
        codes.on("ccc_threat", owner)


def test_no_code_is_the_start_of_another(policy: Policy) -> None:
    """Asterisk acts on the first code the keys match: a code that begins another would make
    the longer one unreachable."""
    keys = [code.keys for code in policy.feature_codes()]
    assert len(set(keys)) == len(keys)
    assert not [(a, b) for a in keys for b in keys if a != b and b.startswith(a)]
    names = [code.name for code in policy.feature_codes()]
    assert len(set(names)) == len(names)
