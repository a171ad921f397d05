"""CSV for a spreadsheet: the definitions as comment lines, a header, and no cell a
spreadsheet would run as a formula."""

from __future__ import annotations

from ccc_telephony.reports.csv_out import filename, to_csv

REPORT = {
    "report": "abandoned",
    "from": "2026-06-01T00:00:00-05:00",
    "to": "2026-06-02T00:00:00-05:00",
    "definitions": {"short_abandon_seconds": 10},
    "rows": [{"queue": "ebd", "caller_number": "=HYPERLINK(1)", "wait_seconds": None}],
}


def test_definitions_first_then_header_and_rows() -> None:
    lines = to_csv(REPORT).splitlines()
    assert lines[:3] == [
        "# report: abandoned",
        f"# from: {REPORT['from']}",
        f"# to: {REPORT['to']}",
    ]
    assert "# definition short_abandon_seconds: 10" in lines
    assert lines[-2:] == ["queue,caller_number,wait_seconds", "ebd,'=HYPERLINK(1),"]


def test_an_empty_report_still_has_its_header_when_columns_are_given() -> None:
    empty = REPORT | {"rows": []}
    assert to_csv(empty, ["queue", "wait_seconds"]).splitlines()[-1] == "queue,wait_seconds"
    assert filename(empty) == "abandoned-2026-06-01-2026-06-02.csv"
