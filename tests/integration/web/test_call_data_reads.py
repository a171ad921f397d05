"""Reads of call data through the API land in `call_data_reads` (a real read by the admin and
one by an agent), and the audit route shows them: from/to days and who, the admin everyone's,
a supervisor their unit's and their own, nobody else. Older reads are seeded straight into the
table: what is under test there is the query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from ccc_telephony.app import Service
from ccc_telephony.store.data_reads import record_read
from tests.integration.agents.conftest import Api, api
from tests.integration.escalations.conftest import staff

__all__ = ["api", "staff"]
AUDIT = "/api/v1/audit/call-data-reads"


async def test_reads_are_recorded_and_shown_to_the_admin_and_the_readers_supervisor(
    api: Api, staff: Callable[..., Awaitable[str]], service: Service
) -> None:
    boss = await staff("rdboss", "ebd", role="supervisor")
    ann = await staff("rdann", "ebd", supervisor="rdboss")
    await staff("rdcy", "family")
    status, _ = await api.call("GET", "/api/v1/calls?limit=7")
    assert status == 200
    status, _ = await api.call("GET", "/api/v1/agents/rdann/wrapups/missing", token=ann)
    assert status == 200
    now = service.clock()
    three_days_ago = (now - timedelta(days=3)).astimezone(service.policy.zone).date()
    for who, at in (("rdcy (token 1)", now), ("rdann (token 2)", now - timedelta(days=3))):
        await record_read(service.engine, who=who, role="agent", what="calls", at=at)

    async def audit(query: str, token: str | None = None) -> tuple[int, list[tuple[str, str]]]:
        status, reply = await api.call("GET", f"{AUDIT}?limit=1000&{query}", token=token)
        if status != 200:
            return status, []
        rows = [(r["who"].split(" ")[0], r["what"]) for r in reply["reads"]]
        return status, [row for row in rows if row[0].startswith("rd") or row[0] == "admin"]

    _, today = await audit("")  # the admin, today by default
    assert ("admin", "calls") in today and ("rdcy", "calls") in today
    assert [row for row in today if row[0] == "rdann"] == [("rdann", "wrapups_missing")]
    status, reply = await api.call("GET", f"{AUDIT}?who=admin&limit=1")
    assert reply["reads"][0]["scope"] == {"limit": 7}
    assert await audit(f"from={three_days_ago}&who=rdann") == (
        200,
        [("rdann", "wrapups_missing"), ("rdann", "calls")],
    )
    # The supervisor: Ann's reads (their unit), not Family's Cy's nor the admin's.
    assert await audit("", boss) == (200, [("rdann", "wrapups_missing")])
    assert (await api.call("GET", f"{AUDIT}?who=rdcy", token=boss))[0] == 403
    assert (await api.call("GET", AUDIT, token=ann))[0] == 403
    status, reply = await api.call("GET", f"{AUDIT}?from=2027-13-01")
    assert status == 400 and reply["detail"].startswith("from:"), reply
    status, reply = await api.call("GET", f"{AUDIT}?from=2027-01-02&to=2027-01-01")
    assert status == 400 and reply["detail"] == "from: must not be after to"
