"""Request checks that need no server: each bad input becomes a 400 whose detail says what is
wrong, quickly and briefly, however hostile the input."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

import pytest
from aiohttp import web
from pydantic import BaseModel, ConfigDict

from ccc_telephony.web.validation import (
    EARLIEST_DAY,
    LATEST_DAY,
    json_of,
    parse_day,
    too_large,
    validated,
)


class Override(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["open", "closed"]
    reason: str


def detail(error: web.HTTPException) -> str:
    return str(json.loads(error.text or "{}")["detail"])


@pytest.mark.parametrize(
    ("body", "charset", "words"),
    [
        (b'{"state": "open"}', "latin-1", "charset: a JSON body must be UTF-8, not 'latin-1'"),
        (b'{"state": "open"}', "no-such-charset", "must be UTF-8"),
        (b'{"state": "\xc3\x28"}', None, "not valid UTF-8 (byte 11)"),
        (b"[" * 10_000 + b"]" * 10_000, None, "nested too deeply"),
        (b'{"n": ' + b"9" * 5000 + b"}", None, "number too long"),
        (b'{"reason": "a\\u0000b"}', None, "NUL"),
        (b'{"a\\u0000": 1}', None, "NUL"),
        (b'[[["\\u0000"]]]', None, "NUL"),
        (b"{not json", None, "the body must be JSON (Expecting property name"),
        (b"", None, "the body must be JSON"),
    ],
    ids=[
        "latin-1",
        "unknown-charset",
        "bad-utf8",
        "deep",
        "huge-number",
        "nul-in-text",
        "nul-in-key",
        "nul-nested",
        "not-json",
        "empty",
    ],
)
def test_a_body_that_is_no_json_value_is_refused(
    body: bytes, charset: str | None, words: str
) -> None:
    with pytest.raises(web.HTTPBadRequest) as refused:
        json_of(body, charset)
    assert words in detail(refused.value)


@pytest.mark.parametrize("charset", [None, "utf-8", "UTF-8", "utf8"])
def test_utf8_json_is_read(charset: str | None) -> None:
    assert json_of('{"reason": "nieve, día"}'.encode(), charset) == {"reason": "nieve, día"}


def test_only_the_first_five_problems_are_reported() -> None:
    data: dict[str, Any] = {"state": "open", "reason": "x", **{f"k{i}": 0 for i in range(10_000)}}
    with pytest.raises(web.HTTPBadRequest) as refused:
        validated(Override, data)
    text = detail(refused.value)
    assert text.count("Extra inputs are not permitted") == 5
    assert text.endswith("and 9995 more problems")
    assert len(text) < 400


def test_a_long_unknown_key_is_cut_in_the_report() -> None:
    with pytest.raises(web.HTTPBadRequest) as refused:
        validated(Override, {"state": "open", "reason": "x", "k" * 50_000: 0})
    assert len(detail(refused.value)) < 120


def test_a_good_body_is_the_model() -> None:
    assert validated(Override, {"state": "open", "reason": "x"}) == Override(
        state="open", reason="x"
    )


@pytest.mark.parametrize(
    "text",
    [
        date.max.isoformat(),
        date.min.isoformat(),
        "2020-13-01",
        "2020-02-30",
        "20200101",
        "2020-01-01junk",
        "\uff12\uff10\uff12\uff10-01-01",  # full-width digits
        "today",
        "",
    ],
)
def test_a_day_that_cannot_be_is_refused(text: str) -> None:
    with pytest.raises(web.HTTPBadRequest) as refused:
        parse_day(text, "date")
    assert detail(refused.value).startswith("date: ")


def test_a_day_in_range_is_read() -> None:
    today = date.today()
    assert parse_day(today.isoformat(), "date") == today
    assert parse_day(EARLIEST_DAY.isoformat(), "date") == EARLIEST_DAY
    assert parse_day(LATEST_DAY.isoformat(), "date") == LATEST_DAY


@pytest.mark.parametrize(
    ("limit", "words"), [(65536, "over 64 KB"), (20 * 1_048_576, "over 20 MB")]
)
def test_too_large_names_the_limit(limit: int, words: str) -> None:
    error = too_large(limit)
    assert error.status == 413
    assert words in detail(error)
