"""Reading an event's details for the rows it makes: details come from every feature and, after
an outage, from the spool, so a value of the wrong type is absent rather than an error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID


def text(details: Mapping[str, Any], key: str) -> str | None:
    value = details.get(key)
    return value if isinstance(value, str) and value else None


def uuid_of(value: object) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None
