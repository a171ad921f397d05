"""The spool file and the CallEvent line format, without a database."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest

from ccc_telephony.store.events import CallEvent
from ccc_telephony.store.spool import Spool


def _event(n: int, **details: object) -> CallEvent:
    return CallEvent(call_id=f"chan-{n}", name="menu_choice", details=details)


def test_call_event_json_round_trip_keeps_uuid_and_aware_microseconds() -> None:
    at = datetime(2026, 11, 23, 14, 5, 6, 123456, tzinfo=timezone(timedelta(hours=-5)))
    event = CallEvent(
        call_id="1700000000.42",
        name="call_started",
        details={"caller_name": 'José \u2028 "x"\n', "n": 3, "nested": {"a": [1, None]}},
        at=at,
        event_id=UUID("12345678-1234-5678-1234-567812345678"),
    )
    line = event.to_json()
    assert "\n" not in line
    assert line.isascii()
    again = CallEvent.from_json(line)
    assert again == event
    assert again.at.microsecond == 123456
    assert again.at.utcoffset() == timedelta(hours=-5)
    assert isinstance(again.event_id, UUID)


def test_call_event_defaults_are_unique_and_utc() -> None:
    first, second = CallEvent("c", "x"), CallEvent("c", "x")
    assert first.event_id != second.event_id
    assert first.at.tzinfo is UTC
    assert first.details == {}


def test_call_event_rejects_naive_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CallEvent("c", "x", at=datetime(2026, 1, 1))


def test_call_event_details_are_frozen_to_plain_json() -> None:
    source: dict[str, object] = {"when": datetime(2026, 1, 1, tzinfo=UTC), "tags": ("a", "b")}
    event = CallEvent("c", "x", details=source)
    source["later"] = "ignored"
    assert event.details == {"when": "2026-01-01 00:00:00+00:00", "tags": ["a", "b"]}
    json.dumps(event.details)


def test_spool_append_then_read_in_order_and_in_chunks(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "sub" / "events.jsonl")
    spool.append([_event(1).to_json(), _event(2).to_json()])
    spool.append([_event(3).to_json()])
    assert spool.count() == 3

    first = spool.read(0, 2)
    assert [CallEvent.from_json(x).call_id for x in first.lines] == ["chan-1", "chan-2"]
    rest = spool.read(first.end, 10)
    assert [CallEvent.from_json(x).call_id for x in rest.lines] == ["chan-3"]
    assert spool.read(rest.end, 10) == type(rest)([], rest.end)

    spool.clear()
    assert spool.count() == 0
    assert spool.read(0, 10).lines == []


def test_spool_read_of_missing_file_is_empty(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "none.jsonl")
    assert spool.read(0, 5).lines == []
    assert spool.count() == 0
    assert spool.repair() == 0
    spool.clear()


def test_spool_rejects_lines_with_newlines(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="newlines"):
        Spool(tmp_path / "s.jsonl").append(["a\nb"])


def test_torn_last_line_is_skipped_on_read(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    whole = _event(1).to_json()
    torn = _event(2).to_json()[:17]
    path.write_text(whole + "\n" + torn)
    spool = Spool(path)

    chunk = spool.read(0, 10)
    assert chunk.lines == [whole]
    assert chunk.end == path.stat().st_size  # the torn tail is consumed, not re-read forever
    assert spool.count() == 1


def test_repair_cuts_torn_tail_so_later_appends_stay_whole(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    whole = _event(1).to_json()
    path.write_text(whole + "\n" + _event(2).to_json()[:17])
    spool = Spool(path)

    assert spool.repair() == 17
    spool.append([_event(3).to_json()])
    lines = spool.read(0, 10).lines
    assert [CallEvent.from_json(x).call_id for x in lines] == ["chan-1", "chan-3"]
    assert spool.repair() == 0


def test_repair_of_a_single_torn_line_empties_the_file(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"call_id": "x"')
    assert Spool(path).repair() == len('{"call_id": "x"')
    assert path.read_bytes() == b""


def test_the_spool_and_its_folder_are_readable_by_the_service_only(tmp_path: Path) -> None:
    """Spooled and rejected events hold callers' numbers and names."""
    old = os.umask(0o022)  # the usual default: plain files would be world-readable
    try:
        for name in ("events.jsonl", "events.jsonl.rejected"):
            spool = Spool(tmp_path / "spool" / name)
            spool.append([_event(1).to_json()])
            assert stat.S_IMODE(spool.path.stat().st_mode) == 0o600
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "spool").stat().st_mode) == 0o700
