"""The consortium directory in PostgreSQL: seeded once from the file, read whole as one
snapshot, changed one edit at a time with an audit row saying who changed what, from what.

Edits from every service instance and the CLI are serialised by a transaction-scoped advisory
lock: each reads the directory, lets the caller's rules compute the next one, writes only what
differs and audits it, in one transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ccc_telephony.config.directory import Directory
from ccc_telephony.store.engine import run_with_engine
from ccc_telephony.store.tables import (
    consortia,
    consortium_numbers,
    counties,
    directory_changes,
    transfer_allowlist,
)

log = structlog.get_logger(__name__)

# pg_advisory_xact_lock key of directory edits (any constant unique in this database).
EDIT_LOCK = 0x0CCC_D1EC
Edit = Callable[[Directory], Directory]


class StoredDirectoryInvalid(ValueError):
    """The tables hold a directory that breaks the rules (edited straight in the database)."""


class DirectoryWriteConflict(ValueError):
    """The database refused the change: someone changed the same rows straight in it."""


class DirectoryUnavailable(ConnectionError):
    """The database cannot be reached or did not answer in time."""


@dataclass(frozen=True, slots=True)
class Change:
    """One audited edit: who made it, what kind, about what (a consortium id or a number)."""

    changed_by: str
    action: str
    subject: str


@dataclass(frozen=True, slots=True)
class _Rows:
    """A directory as the rows of each table, keyed by primary key."""

    consortia: dict[str, dict[str, Any]] = field(default_factory=dict)
    counties: dict[int, dict[str, Any]] = field(default_factory=dict)
    numbers: dict[str, dict[str, Any]] = field(default_factory=dict)
    allowed: dict[str, dict[str, Any]] = field(default_factory=dict)


async def seed(engine: AsyncEngine, directory: Directory, *, source: str) -> bool:
    """Write the file's directory if the tables are empty; whether it did. `source` (the
    file) is the audit row's subject."""
    async with _reaching(), engine.begin() as conn:
        await _lock(conn)
        if (await conn.execute(select(func.count()).select_from(consortia))).scalar_one():
            return False
        await _write(conn, _Rows(), _rows(directory))
        await _audit(conn, Change("seed file", "seed", source), None, directory)
    return True


async def load(engine: AsyncEngine) -> Directory | None:
    """The stored directory, or None before it was seeded; StoredDirectoryInvalid if the
    tables break the rules. Read in one snapshot, so a concurrent edit is seen whole or not."""
    async with _reaching(), engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            return await _read(conn)


def read_now(database_url: str, seed: Directory) -> Directory:
    """For commands outside the service (generating sounds, listing prompts): the stored
    directory, or `seed` while the database has none or cannot be read (logged)."""
    try:
        stored = run_with_engine(database_url, load)
    except (DirectoryUnavailable, StoredDirectoryInvalid, ValueError) as exc:
        log.warning("using the seed file's directory", reason=str(exc)[:500])
        return seed
    return seed if stored is None else stored


async def change(engine: AsyncEngine, edit: Edit, audit: Change) -> Directory:
    """Apply `edit` (which raises to refuse) to the stored directory; the new directory."""
    async with _reaching(), engine.begin() as conn:
        await _lock(conn)
        before = await _read(conn)
        if before is None:
            raise StoredDirectoryInvalid("the directory has not been seeded yet")
        after = edit(before)
        await _write(conn, _rows(before), _rows(after))
        await _audit(conn, audit, before, after)
    return after


@contextlib.asynccontextmanager
async def _reaching() -> AsyncIterator[None]:
    """The database's failures in the directory's words; anything else (an edit's refusal)
    passes through untouched."""
    try:
        yield
    except IntegrityError as exc:
        raise DirectoryWriteConflict(str(exc.orig).splitlines()[0][:200]) from None
    except (OSError, TimeoutError, DBAPIError) as exc:
        raise DirectoryUnavailable(type(exc).__name__) from None


# --- reading ----------------------------------------------------------------------------------


async def _read(conn: AsyncConnection) -> Directory | None:
    query = select(consortia).order_by(consortia.c.position, consortia.c.id)
    consortium_rows = (await conn.execute(query)).all()
    if not consortium_rows:
        return None
    county_rows = (await conn.execute(select(counties).order_by(counties.c.code))).all()
    number_rows = (
        await conn.execute(select(consortium_numbers).order_by(consortium_numbers.c.number))
    ).all()
    allowed_rows = (
        await conn.execute(select(transfer_allowlist).order_by(transfer_allowlist.c.number))
    ).all()
    homes = [row.id for row in consortium_rows if row.is_home]
    data = {
        "counties": {row.code: row.name for row in county_rows},
        "home": homes[0] if len(homes) == 1 else "",
        "consortia": [
            {
                "id": row.id,
                "name": row.name,
                "phone": row.phone,
                "counties": [c.name for c in county_rows if c.consortium_id == row.id],
                "numbers": [
                    {"number": n.number, "label": n.label}
                    for n in number_rows
                    if n.consortium_id == row.id
                ],
            }
            for row in consortium_rows
        ],
        "allowed": [{"number": row.number, "label": row.label} for row in allowed_rows],
    }
    try:
        return Directory.model_validate(data)
    except ValidationError as exc:
        raise StoredDirectoryInvalid(str(exc)) from None


# --- writing ----------------------------------------------------------------------------------


async def _lock(conn: AsyncConnection) -> None:
    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EDIT_LOCK})


def _rows(directory: Directory) -> _Rows:
    codes = {name: code for code, name in directory.counties.items()}
    rows = _Rows()
    for position, c in enumerate(directory.consortia):
        rows.consortia[c.id] = {
            "name": c.name,
            "phone": c.phone,
            "is_home": c.id == directory.home,
            "position": position,
        }
        for county in c.counties:
            rows.counties[codes[county]] = {"name": county, "consortium_id": c.id}
        for entry in c.numbers:
            rows.numbers[entry.number] = {"consortium_id": c.id, "label": entry.label}
    for allowed in directory.allowed:
        rows.allowed[allowed.number] = {"label": allowed.label}
    return rows


async def _write(conn: AsyncConnection, before: _Rows, after: _Rows) -> None:
    """Only what differs, in an order the foreign keys accept: new consortia first, gone
    ones last (once their counties and numbers have moved or gone)."""
    await _upsert(conn, consortia, before.consortia, after.consortia)
    await _delete(conn, consortium_numbers, before.numbers, after.numbers)
    await _delete(conn, transfer_allowlist, before.allowed, after.allowed)
    await _upsert(conn, counties, before.counties, after.counties)
    await _upsert(conn, consortium_numbers, before.numbers, after.numbers)
    await _upsert(conn, transfer_allowlist, before.allowed, after.allowed)
    await _delete(conn, counties, before.counties, after.counties)
    await _delete(conn, consortia, before.consortia, after.consortia)


async def _upsert(
    conn: AsyncConnection, table: Table, before: Mapping[Any, Any], after: Mapping[Any, Any]
) -> None:
    key = next(iter(table.primary_key.columns))
    for value, row in after.items():
        if value not in before:
            await conn.execute(insert(table).values({key.name: value, **row}))
        elif before[value] != row:
            await conn.execute(update(table).where(key == value).values(row))


async def _delete(
    conn: AsyncConnection, table: Table, before: Mapping[Any, Any], after: Mapping[Any, Any]
) -> None:
    key = next(iter(table.primary_key.columns))
    gone = [value for value in before if value not in after]
    if gone:
        await conn.execute(delete(table).where(key.in_(gone)))


async def _audit(
    conn: AsyncConnection, audit: Change, before: Directory | None, after: Directory
) -> None:
    old, new = _differences(before, after)
    await conn.execute(
        insert(directory_changes).values(
            changed_by=audit.changed_by,
            action=audit.action,
            subject=audit.subject,
            before=old,
            after=new,
        )
    )


def _differences(
    before: Directory | None, after: Directory
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The consortia and allow-list entries that changed, as they were and as they are
    (None where one did not exist); a seed's `before` is None."""
    old_sections: dict[str, dict[str, Any]] = {}
    new_sections: dict[str, dict[str, Any]] = {}
    for section, old, new in (
        ("consortia", _by_key(before, "consortia", "id"), _by_key(after, "consortia", "id")),
        ("allowed", _by_key(before, "allowed", "number"), _by_key(after, "allowed", "number")),
    ):
        changed = [k for k in {**old, **new} if old.get(k) != new.get(k)]
        if changed:
            old_sections[section] = {k: old.get(k) for k in changed}
            new_sections[section] = {k: new.get(k) for k in changed}
    return (None if before is None else old_sections), new_sections


def _by_key(directory: Directory | None, section: str, key: str) -> dict[str, Any]:
    if directory is None:
        return {}
    entries: list[dict[str, Any]] = directory.model_dump(mode="json")[section]
    return {entry[key]: entry for entry in entries}
