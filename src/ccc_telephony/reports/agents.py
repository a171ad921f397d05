"""The agent report: per agent and bucket (a day by default), time per state and per Not Ready
reason from the agents' state intervals (cut at bucket and span edges: a state across
midnight counts in both days), logged-in hours, calls handled and their average handle time,
and the protected time taken against the team's daily standard (EBD 150 min, Family 90)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import PROTECTED_TIME, RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.reports.definitions import definitions
from ccc_telephony.reports.figures import ratio
from ccc_telephony.reports.interval import buckets_of, window
from ccc_telephony.reports.periods import Bucket, Span
from ccc_telephony.store import reports as store

STATES = ("ready", "not_ready", "call_inbound")
_CALLS = ("calls", "talked", "talk_seconds")
_Key = tuple[str, datetime]


def _empty() -> dict[str, Any]:
    return {"states": dict.fromkeys(STATES, 0.0), "reasons": defaultdict(float), "days": 0}


def summed(
    states: Sequence[Mapping[str, Any]], present: Sequence[Mapping[str, Any]]
) -> dict[_Key, dict[str, Any]]:
    """Per (agent, bucket): seconds per state and per Not Ready reason, days logged in."""
    totals: dict[_Key, dict[str, Any]] = defaultdict(_empty)
    for row in states:
        if row["state"] == "logged_out":
            continue
        entry = totals[(row["agent_id"], row["bucket"])]
        seconds = float(row["seconds"])
        entry["states"][row["state"]] = entry["states"].get(row["state"], 0.0) + seconds
        if row["state"] == "not_ready":
            entry["reasons"][row["reason"] or "(none)"] += seconds
    for row in present:
        totals[(row["agent_id"], row["bucket"])]["days"] += row["days"]
    return totals


def calls_by_bucket(rows: Sequence[Mapping[str, Any]]) -> dict[_Key, dict[str, int]]:
    """Calls handled per (agent, bucket), adding up the days counted and those still live."""
    calls: dict[_Key, dict[str, int]] = {}
    for row in rows:
        entry = calls.setdefault((row["agent_id"], row["bucket"]), dict.fromkeys(_CALLS, 0))
        for key in _CALLS:
            entry[key] += int(row[key])
    return calls


def agent_row(
    agent: RosterAgent | None,
    agent_id: str,
    entry: Mapping[str, Any],
    calls: Mapping[str, Any] | None,
    protected_minutes: Mapping[Any, int],
) -> dict[str, Any]:
    states, reasons = entry["states"], entry["reasons"]
    standard = 60 * protected_minutes.get(agent.team, 0) * entry["days"] if agent else 0
    protected = reasons.get(PROTECTED_TIME, 0.0)
    return {
        "agent": agent_id,
        "name": agent.name if agent else None,
        "team": agent.team if agent else None,
        "logged_in_hours": round(sum(states.values()) / 3600, 2),
        **{f"{state}_seconds": round(states.get(state, 0.0)) for state in STATES},
        "not_ready_reasons": {reason: round(s) for reason, s in sorted(reasons.items())},
        "calls_handled": calls["calls"] if calls else 0,
        "aht_seconds": ratio(calls["talk_seconds"], calls["talked"]) if calls else None,
        "protected_seconds": round(protected),
        "protected_standard_seconds": standard,
        "protected_over_seconds": max(0, round(protected) - standard),
    }


async def agents_report(
    engine: AsyncEngine,
    policy: Policy,
    span: Span,
    bucket: Bucket,
    agents: Sequence[str],
    roster: Mapping[str, RosterAgent],
    now: datetime,
) -> dict[str, Any]:
    buckets_of(span, bucket)  # the interval report's limit on buckets
    found = window(span, bucket)
    states, present, handled = await store.agent_time(engine, found, agents, now)
    totals = summed(states, present)
    calls = calls_by_bucket(handled)
    for key in calls:
        totals.setdefault(key, _empty())
    rows = [
        {
            "start": start.astimezone(span.zone).isoformat(),
            **agent_row(
                roster.get(agent_id),
                agent_id,
                totals[(agent_id, start)],
                calls.get((agent_id, start)),
                policy.agents.protected_minutes,
            ),
        }
        for agent_id, start in sorted(totals)
    ]
    return {
        "report": "agents",
        "from": span.start.astimezone(span.zone).isoformat(),
        "to": span.end.astimezone(span.zone).isoformat(),
        "bucket": bucket.value,
        "definitions": definitions(policy.reports, zone=span.zone.key)
        | {
            "protected_minutes_per_day": dict(policy.agents.protected_minutes),
            "protected_standard": "the team's daily minutes for each day the agent was logged in",
            "calls_handled": "queue calls the agent answered in the bucket",
        },
        "rows": rows,
    }
