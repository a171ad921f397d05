"""One year of synthetic call-center activity, written straight into a database with COPY, for
the reports' bench (bench/reports_bench.py).

Shaped like the consortium: 100 agents (EBD and Family workers, a few leads), each business
day logged in 08:00-16:30 with a 15-minute break at 10:00 and the team's protected time from
13:00 (EBD 150 min, Family 90). Between those they alternate Ready and Call Inbound; each call
an agent takes is an answered queue visit (mostly their team's queue, some operator and Help
calls), a few transferred out or escalated; about 8% of callers abandon (a third of them
short abandons). That is about 5,200 offered and 4,800 answered visits a business day, 1.4
million visits and 2.6 million agent state intervals a year. Caller numbers and cases repeat
(a pool of each), so repeat contacts exist. Some messages, escalation follow-ups and
confidential callbacks for the promises report.

Only what the reports read is written (queue_visits, agent_states, agents, the promises'
tables): not the calls table or the call-event log, which the reports never touch.
Deterministic (a fixed seed): two runs make the same data.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import asyncpg

ZONE = ZoneInfo("America/Chicago")
AGENTS = 100
PROTECTED = {"ebd": 150, "family": 90}
NUMBERS, CASES = 250_000, 200_000
SEED = 13

VISIT_COLUMNS = (
    "call_id",
    "queue",
    "joined_at",
    "position",
    "answered_at",
    "agent_id",
    "wait_seconds",
    "ended_at",
    "outcome",
    "talk_seconds",
    "caller_number",
    "case_key",
)
STATE_COLUMNS = ("agent_id", "state", "reason", "started_at", "ended_at", "source")


# What the event writer keeps as visits land (store/visits.py linked): each visit's next contact
# of its case. Here each call has one visit, so the next visit of the case is another call's.
LINK_CONTACTS = """
UPDATE queue_visits v SET next_contact_at = n.next_at
FROM (
    SELECT id, lead(joined_at) OVER (PARTITION BY case_key ORDER BY joined_at) AS next_at
    FROM queue_visits WHERE case_key IS NOT NULL
) AS n
WHERE v.id = n.id AND n.next_at IS NOT NULL
"""


def business_days(last: date, days: int) -> list[date]:
    first = last - timedelta(days=days - 1)
    every = (first + timedelta(days=n) for n in range(days))
    return [d for d in every if d.weekday() < 5]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, clock(hour, minute), tzinfo=ZONE).astimezone(UTC)


class Generator:
    def __init__(self, seed: int = SEED) -> None:
        self.random = random.Random(seed)
        self.calls = 0
        self.roster = [
            (f"bench{n:03d}", "ebd" if n % 2 else "family", "lead" if n % 25 == 0 else "worker")
            for n in range(AGENTS)
        ]

    def caller(self) -> tuple[str, str, str | None]:
        self.calls += 1
        number = f"608{5_000_000 + self.random.randrange(NUMBERS):07d}"
        case = f"case:{4_000_000_000 + self.random.randrange(CASES)}"
        return f"bench-{self.calls}", number, case if self.random.random() < 0.8 else None

    def queue_of(self, team: str, role: str) -> str:
        roll = self.random.random()
        if role == "lead":
            return "help"
        return "operator" if roll < 0.1 else team

    def agent_day(self, agent: str, team: str, role: str, day: date) -> Iterator[tuple[str, tuple]]:
        """("state", row) and ("visit", row) tuples of one agent's business day."""
        r = self.random
        pauses = [
            (at(day, 10), at(day, 10, 15), "On Break"),
            (at(day, 13), at(day, 13) + timedelta(minutes=PROTECTED[team]), "Protected time"),
        ]
        t, end = at(day, 8), at(day, 16, 30)
        while t < end:
            pause = next((p for p in pauses if p[0] <= t < p[1]), None)
            if pause is not None:
                yield "state", (agent, "not_ready", pause[2], t, pause[1], "bench")
                t = pause[1]
                continue
            next_pause = min((p[0] for p in pauses if p[0] > t), default=end)
            idle = timedelta(seconds=r.expovariate(1 / 150))
            ready_until = min(t + idle, next_pause, end)
            yield "state", (agent, "ready", None, t, ready_until, "bench")
            t = ready_until
            if t >= next_pause or t >= end:
                continue
            talk = int(r.expovariate(1 / 300)) + 30
            until = min(t + timedelta(seconds=talk), end)
            yield "state", (agent, "call_inbound", None, t, until, "bench")
            yield "visit", self.answered(agent, team, role, t, until)
            t = until
        yield "state", (agent, "logged_out", None, end, at(day + timedelta(days=1), 8), "bench")

    def answered(self, agent: str, team: str, role: str, start: datetime, end: datetime) -> tuple:
        r = self.random
        call_id, number, case = self.caller()
        wait = min(int(r.expovariate(1 / 35)), 900)
        roll = r.random()
        outcome = "escalated" if roll < 0.01 else "transferred_out" if roll < 0.05 else "answered"
        return (
            call_id,
            self.queue_of(team, role),
            start - timedelta(seconds=wait),
            r.randint(1, 6),
            start,
            agent,
            wait,
            end,
            outcome,
            int((end - start).total_seconds()),
            number,
            case,
        )

    def abandoned(self, day: date, count: int) -> Iterator[tuple]:
        r = self.random
        opening = at(day, 8)
        for _ in range(count):
            call_id, number, case = self.caller()
            joined = opening + timedelta(seconds=r.uniform(0, 8.5 * 3600))
            wait = int(r.uniform(0, 10)) if r.random() < 0.33 else int(r.expovariate(1 / 90)) + 10
            queue = r.choice(("ebd", "ebd", "family", "family", "family", "operator"))
            ended = joined + timedelta(seconds=wait)
            row = (call_id, queue, joined, r.randint(1, 12), None, None, wait, ended)
            yield (*row, "abandoned", None, number, case)

    def promises(self, day: date) -> Iterator[tuple[str, tuple]]:
        r = self.random
        for n in range(40):
            received = at(day, 8) + timedelta(minutes=r.uniform(0, 500))
            done = r.random() < 0.9
            state_at = received + timedelta(hours=r.uniform(0.2, 10))
            due = at(day, 16, 30)
            yield (
                "message",
                (
                    "after_hours",
                    f"msg-{day}-{n}",
                    "en",
                    received,
                    "bench.wav",
                    due,
                    "returned" if done else "new",
                    state_at if done else received,
                ),
            )
        for n in range(20):
            made = at(day, 9) + timedelta(minutes=r.uniform(0, 400))
            status = r.choice(("resolved", "resolved", "researching", "open"))
            updated = made + timedelta(hours=r.uniform(1, 30))
            yield (
                "followup",
                (
                    uuid.UUID(int=r.getrandbits(128)),
                    f"esc-{day}-{n}",
                    "bench001",
                    "help",
                    "caller_request",
                    made,
                    made + timedelta(hours=24),
                    status,
                    None if status == "open" else updated,
                    updated if status == "resolved" else None,
                ),
            )


async def seed(url: str, last: date, days: int) -> dict[str, int]:
    generator = Generator()
    db = await asyncpg.connect(url)
    counts = {"visits": 0, "states": 0, "messages": 0, "followups": 0}
    try:
        await db.executemany(
            "INSERT INTO agents (id, name, extension, team, role, languages)"
            " VALUES ($1, $1, $2, $3, $4, '{en}') ON CONFLICT DO NOTHING",
            [(a, str(5000 + n), team, role) for n, (a, team, role) in enumerate(generator.roster)],
        )
        for day in business_days(last, days):
            rows: dict[str, list[tuple]] = {"visit": [], "state": [], "message": [], "followup": []}
            for agent, team, role in generator.roster:
                for kind, row in generator.agent_day(agent, team, role, day):
                    rows[kind].append(row)
            rows["visit"].extend(generator.abandoned(day, len(rows["visit"]) * 8 // 92))
            for kind, row in generator.promises(day):
                rows[kind].append(row)
            await _copy(db, rows)
            for kind, key in (("visit", "visits"), ("state", "states"), ("message", "messages")):
                counts[key] += len(rows[kind])
            counts["followups"] += len(rows["followup"])
        await db.execute(LINK_CONTACTS)
        await db.execute("ANALYZE")
    finally:
        await db.close()
    return counts


async def _copy(db: asyncpg.Connection, rows: dict[str, list[tuple]]) -> None:
    await db.copy_records_to_table("queue_visits", records=rows["visit"], columns=VISIT_COLUMNS)
    await db.copy_records_to_table("agent_states", records=rows["state"], columns=STATE_COLUMNS)
    await db.copy_records_to_table(
        "messages",
        records=rows["message"],
        columns=(
            "source",
            "call_id",
            "language",
            "received_at",
            "recording",
            "due_at",
            "state",
            "state_at",
        ),
    )
    await db.copy_records_to_table(
        "escalation_followups",
        records=rows["followup"],
        columns=(
            "id",
            "call_id",
            "agent_id",
            "target",
            "reason",
            "created_at",
            "due_at",
            "status",
            "updated_at",
            "resolved_at",
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="a migrated database (postgresql://...)")
    parser.add_argument("--last-day", type=date.fromisoformat, default=date(2026, 11, 30))
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = asyncio.run(seed(args.database_url, args.last_day, args.days))
    print(counts, f"in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
