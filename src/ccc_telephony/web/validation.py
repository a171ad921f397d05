"""Everything a request brings (body, query parameters, days) checked in one place, with a 4xx
that names what is wrong and never a 500.

The HTTP server shares its event loop with every call in progress, so the work one request can
cause is bounded here: a body is read to its end but no further than its route's limit (413
beyond it), a JSON body is small, and a body with thousands of mistakes gets a short answer.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)

# Every JSON body the API takes (an override, a state change, a roster entry) is well under 1 KB.
JSON_BODY_LIMIT = 64 * 1024
REPORTED_PROBLEMS = 5
# A field path quoted in an error is cut here: an unknown key may itself be kilobytes long.
REPORTED_FIELD_CHARS = 60
# Days before and after these are typing mistakes or probes, and near date.min / date.max a
# day's bounds in a time zone no longer exist.
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(2999, 12, 31)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Nine digits, with or without the usual dashes or spaces, not part of a longer number (a case
# number has ten): a free text must never hold an SSN in clear.
SSN_LIKE = re.compile(r"(?<![0-9])[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}(?![0-9])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_UTF8 = frozenset({"utf-8", "utf8"})


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body (the stream hands it over in pieces), or 413 once it passes `limit`."""
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.content.iter_any():
        received += len(chunk)
        if received > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def parse_body(request: web.Request, model: type[Model]) -> Model:
    body = await read_body(request, JSON_BODY_LIMIT)
    return validated(model, json_of(body, request.charset))


def json_of(body: bytes, charset: str | None) -> Any:
    """The JSON value of a body, or a 400 saying why there is none."""
    if charset is not None and charset.lower() not in _UTF8:
        raise bad_request(f"charset: a JSON body must be UTF-8, not {charset[:40]!r}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_request(f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise bad_request("the body is JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise bad_request(f"the body must be JSON ({exc.msg} at character {exc.pos})") from None
    except ValueError:  # an integer of thousands of digits
        raise bad_request("the body has a number too long to read") from None
    if _has_nul(value):
        raise bad_request("the body has a NUL character (\\u0000) in a text")
    return value


def _has_nul(value: Any) -> bool:
    """Whether any key or text holds a NUL, which PostgreSQL cannot store in a text column."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def validated(model: type[Model], data: Any) -> Model:
    """`data` as `model`, or a 400 naming the first few bad fields and how many more there are."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        problems = [f"{_field(err['loc'])}: {err['msg']}" for err in errors[:REPORTED_PROBLEMS]]
        if len(errors) > REPORTED_PROBLEMS:
            problems.append(f"and {len(errors) - REPORTED_PROBLEMS} more problems")
        raise bad_request("; ".join(problems)) from None


def _field(location: tuple[int | str, ...]) -> str:
    path = ".".join(str(part) for part in location) or "body"
    return path if len(path) <= REPORTED_FIELD_CHARS else path[:REPORTED_FIELD_CHARS] + "..."


class UnsafeText(ValueError):
    """A free text (a note, a comment, an account) that is too long or unsafe to keep; the
    message names the field and the problem."""


def free_text(text: str | None, *, field: str, max_chars: int) -> str | None:
    """A staff member's free text as it is kept (trimmed), None when there is none. Newlines
    and tabs are allowed; other control characters and anything shaped like an SSN are not."""
    kept = (text or "").strip()
    if not kept:
        return None
    if len(kept) > max_chars:
        raise UnsafeText(f"{field}: at most {max_chars} characters, not {len(kept)}")
    if _CONTROL.search(kept):
        raise UnsafeText(f"{field}: control characters are not allowed (newlines and tabs are)")
    if SSN_LIKE.search(kept):
        raise UnsafeText(f"{field}: looks like it holds a Social Security number; leave it out")
    return kept


def parse_day(text: str, name: str) -> date:
    """The day in query parameter `name`, as YYYY-MM-DD, from EARLIEST_DAY to LATEST_DAY."""
    day = None
    if _DAY.fullmatch(text):
        with contextlib.suppress(ValueError):  # a month 13 or a February 30
            day = date.fromisoformat(text)
    if day is None:
        raise bad_request(f"{name}: expected a day as YYYY-MM-DD")
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise bad_request(f"{name}: must be from {EARLIEST_DAY} to {LATEST_DAY}")
    return day


def query_int(request: web.Request, name: str, *, default: int, low: int, high: int) -> int:
    """Digits only: int() also reads " 12", "1_2" and other scripts' digits, and needs a
    moment for thousands of them."""
    text = request.query.get(name)
    if text is None:
        return default
    if re.fullmatch(r"[0-9]{1,9}", text) and low <= int(text) <= high:
        return int(text)
    raise bad_request(f"{name}: a whole number from {low} to {high}")


def bad_request(detail: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=json.dumps({"error": "bad request", "detail": detail}), content_type="application/json"
    )


def json_error(error: type[web.HTTPException], detail: str) -> web.HTTPException:
    """An HTTP error with the API's JSON body: `{"error": "conflict", "detail": ...}`."""
    return error(
        text=json.dumps({"error": error.__name__[4:].lower(), "detail": detail}),
        content_type="application/json",
    )


def too_large(limit: int) -> web.HTTPRequestEntityTooLarge:
    size = f"{limit // 1_048_576} MB" if limit >= 1_048_576 else f"{limit // 1024} KB"
    return web.HTTPRequestEntityTooLarge(
        max_size=limit,
        actual_size=0,
        text=json.dumps({"error": "payload too large", "detail": f"the body is over {size}"}),
        content_type="application/json",
    )
