"""The snapshot calls read: changes made straight in the database (or by another instance)
arrive within seconds, a database whose tables break the rules leaves the last good snapshot in
force, and with the database down at start the seed file's directory is used."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.config.directory import Directory, load_directory
from ccc_telephony.directory.feature import DirectoryFeature
from ccc_telephony.store.engine import make_engine
from tests.integration.directory.conftest import API
from tests.integration.support.database import server_of, through
from tests.integration.support.proxy import TcpProxy


async def _until(service: Service, holds: Callable[[Directory], bool], timeout: float = 15) -> None:
    """Until the service's own re-read (every few seconds) has brought the change in."""
    async with asyncio.timeout(timeout):
        while not holds(service.directory.holder.current):  # noqa: ASYNC110 (no event: a poll)
            await asyncio.sleep(0.1)


async def test_a_number_added_straight_in_the_database_arrives(
    service: Service, db: asyncpg.Connection
) -> None:
    await db.execute("INSERT INTO consortium_numbers VALUES ('4145550190', 'milwaukee', 'MES fax')")
    await _until(service, lambda d: d.owner_of("4145550190") is not None)
    owner = service.directory.holder.current.owner_of("4145550190")
    assert owner is not None and owner.id == "milwaukee"


async def test_tables_that_break_the_rules_leave_the_last_good_snapshot(
    service: Service, db: asyncpg.Connection
) -> None:
    good = service.directory.holder.current
    # The same number a consortium's and allow-listed: the tables cannot refuse it themselves.
    await db.execute("INSERT INTO transfer_allowlist VALUES ('8885550102', 'a mistake')")
    await service.directory.refresh()
    assert service.directory.holder.current is good
    assert not good.allows("8885550102")
    owner = good.owner_of("8885550102")
    assert owner is not None and owner.id == "bay_lake"


async def test_the_seed_file_while_the_database_is_down(
    service: Service, api: API, database_url: str
) -> None:
    status, _ = await api(
        "POST", "/consortia/racine/numbers", json={"number": "2625550190", "label": "Racine fax"}
    )
    assert status == 201
    proxy = TcpProxy(*server_of(database_url))
    await proxy.start()
    engine = make_engine(through(database_url, proxy.port))
    spoken: list[Directory] = []

    async def speak(directory: Directory) -> None:
        spoken.append(directory)

    other = DirectoryFeature(
        seed_file=service.settings.directory_file, engine=engine, speak_names=speak
    )
    try:
        await proxy.cut()
        await other.refresh()  # as the service's start does
        assert other.holder.current == load_directory(service.settings.directory_file)
        assert other.holder.current.owner_of("2625550190") is None
        assert other.holder.current.owner_of("8885550112") is not None  # the file's racine
        proxy.restore()
        await other.refresh()
        owner = other.holder.current.owner_of("2625550190")
        assert owner is not None and owner.id == "racine"
        assert spoken == []  # no name changed: nothing to say again
    finally:
        await engine.dispose()
        await proxy.close()


async def test_an_edit_while_the_database_is_down_changes_nothing(
    service: Service, api: API, db_proxy: TcpProxy
) -> None:
    before = service.directory.holder.current
    await db_proxy.cut()
    status, reply = await api(
        "POST", "/consortia/racine/numbers", json={"number": "2625550190", "label": "Racine fax"}
    )
    assert status == 503, reply
    assert reply["field"] == "directory" and "nothing was changed" in reply["detail"]
    assert service.directory.holder.current is before
    db_proxy.restore()
    status, reply = await api(
        "POST", "/consortia/racine/numbers", json={"number": "2625550190", "label": "Racine fax"}
    )
    assert status == 201, reply


async def test_the_database_keeps_the_seed_file_s_order(service: Service, api: API) -> None:
    """Prompt numbers for admins follow the directory's order: the same from the file (the
    database down at start) as from the database, and a new consortium comes last."""
    seed = load_directory(service.settings.directory_file)
    assert service.directory.holder.current == seed
    new = {"id": "aaa_first_by_name", "name": "Added Last", "phone": "8885550121", "counties": []}
    status, reply = await api("POST", "/consortia", json=new)
    assert status == 201, reply
    ids = [c.id for c in service.directory.holder.current.consortia]
    assert ids == [*(c.id for c in seed.consortia), "aaa_first_by_name"]
    await service.directory.refresh()
    assert [c.id for c in service.directory.holder.current.consortia] == ids
