"""A report as CSV for a spreadsheet: comment lines first (`# ` + what the report is, its span
and every definition), then a header and one line per row. A value a spreadsheet would run as
a formula (a leading =, +, - or @ in a text) is quoted with a leading apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return "" if value is None else value


def flat(row: Mapping[str, Any]) -> dict[str, Any]:
    """A nested figure (seconds per Not Ready reason) as columns of its own: `key.name`."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, Mapping):
            flat |= {f"{key}.{name}": inner for name, inner in value.items()}
        else:
            flat[key] = value
    return flat


def to_csv(report: Mapping[str, Any], columns: Sequence[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for key in ("report", "from", "to", "bucket"):
        if key in report:
            out.write(f"# {key}: {report[key]}\n")
    for key, value in report.get("definitions", {}).items():
        out.write(f"# definition {key}: {value}\n")
    rows = [flat(row) for row in report.get("rows", [])]
    header = (
        list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    )
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in header])
    return out.getvalue()


def filename(report: Mapping[str, Any]) -> str:
    first = str(report.get("from", ""))[:10]
    last = str(report.get("to", ""))[:10]
    return f"{report['report']}-{first}-{last}.csv"
