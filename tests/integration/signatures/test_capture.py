"""A telephonic signature on a real call reached through the queue: a SIPp caller (its audio a
600 Hz tone, an RtpParty) talks with a SIPp agent (1400 Hz). The agent starts the capture with
*86 or through the API; both parties hear the script; the caller-only WAV holds the caller's
tone and nothing of the script nor of the agent, the both-parties WAV holds both tones. A
caller who hangs up mid-capture leaves an incomplete row with its files; a code that cannot
be done is told to the agent alone."""

from __future__ import annotations

import wave
from array import array
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.signatures.service import Caller
from tests.integration.agents.conftest import Api
from tests.integration.support.audio import AudioCall, caller_with_agent
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.service import ServiceRunner
from tests.sipp import SipPhone
from tests.sipp.media import tone_share

CALLER_HZ, AGENT_HZ = 600, 1400


@asynccontextmanager
async def _call(
    phones: Callable[..., Awaitable[SipPhone]],
    stack: Stack,
    recorder: EventRecorder,
    tmp_path: Path,
    agent_id: str,
    extension: str,
) -> AsyncIterator[AudioCall]:
    """A caller identified by case number, answered by the agent, once each hears the other
    alone (the IVR's last prompt is over)."""
    async with caller_with_agent(
        phones,
        stack,
        recorder,
        tmp_path,
        agent=(agent_id, extension),
        caller_hz=CALLER_HZ,
        agent_hz=AGENT_HZ,
    ) as call:
        await call.agent_audio.hears(CALLER_HZ, share=0.98, window_s=1.0)
        await call.caller_audio.hears(AGENT_HZ, share=0.98, window_s=1.0)
        yield call


def _samples(path: Path) -> list[int]:
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (8000, 2, 1)
        samples = array("h")
        samples.frombytes(wav.readframes(wav.getnframes()))
    return list(samples)


async def test_the_agent_keys_a_signature_and_the_caller_alone_is_in_its_file(
    phones: Callable[..., Awaitable[SipPhone]],
    stack: Stack,
    recorder: EventRecorder,
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    async with _call(phones, stack, recorder, tmp_path, "sigkey1", "3941") as call:
        await call.agent.press("*87")  # nothing to end: the agent alone hears so
        told = await call.agent_audio.hears_besides(CALLER_HZ)
        assert call.caller_audio.share(AGENT_HZ, since=told - 1.0) > 0.97
        await call.agent_audio.hears(CALLER_HZ, share=0.98, window_s=1.0)
        await call.agent.press("*86")
        started = await recorder.wait_for(call.call_id, "signature_started")
        assert (started.details["agent"], started.details["how"]) == ("sigkey1", "code")
        assert (started.details["program"], started.details["language"]) == ("foodshare", "en")
        # Both parties hear the script over the other's tone, for two seconds at least (the
        # both-parties file ends with half a second of the caller alone: Asterisk's spy on
        # both directions gets the agent's side that much later).
        await call.agent_audio.hears_besides(CALLER_HZ)
        await call.caller_audio.hears_besides(AGENT_HZ)
        await call.caller_audio.listens(2.0)
        # A signature is complete once the caller heard the whole script (then: only the tone).
        await call.agent_audio.hears(CALLER_HZ, share=0.98, window_s=1.0)
        await call.agent.press("*87")
        recorded = await recorder.wait_for(call.call_id, "signature_recorded")
        assert recorded.details["ended_by"] == "end_code"
        await call.agent_audio.hears(CALLER_HZ, share=0.98, window_s=1.0)  # the call goes on
        await call.agent.press("*86")
        await call.agent_audio.hears_besides(CALLER_HZ)
        await call.agent.press("*88")  # cancelled: kept, incomplete
        cancelled = await recorder.wait_for(call.call_id, "signature_incomplete")
        assert cancelled.details["ended_by"] == "cancelled"

    row = await db.fetchrow(
        "SELECT * FROM telephonic_signatures WHERE id = $1::uuid",
        started.details["signature_id"],
    )
    assert (row["status"], row["case_number"], row["agent_id"]) == (
        "recorded",
        "4567890123",
        "sigkey1",
    )
    vault = service.signatures.service.vault
    caller = _samples(vault.path(row["caller_file"]))
    assert len(caller) > 2 * 8000  # two seconds and more, all while the script played
    # The caller's file is the caller's tone alone: while the script played, what each
    # party heard had under 0.93 of its energy in the other's tone; here the caller's tone
    # keeps over 0.97 of it, and the agent's is absent.
    assert tone_share(caller, CALLER_HZ) > 0.97
    assert tone_share(caller, AGENT_HZ) < 0.01
    both = _samples(vault.path(row["both_file"]))
    assert tone_share(both, CALLER_HZ) > 0.2 and tone_share(both, AGENT_HZ) > 0.2


async def test_a_signature_through_the_api_and_a_hang_up_mid_capture(
    phones: Callable[..., Awaitable[SipPhone]],
    stack: Stack,
    recorder: EventRecorder,
    service: Service,
    api: Api,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    path = "/api/v1/agents/sigapi1/call/signature"
    async with _call(phones, stack, recorder, tmp_path, "sigapi1", "3942") as call:
        status, body = await api.call("POST", path, {"program": "child_care", "language": "es"})
        assert status == 201, body
        started = await recorder.wait_for(call.call_id, "signature_started")
        assert (started.details["how"], started.details["by"]) == ("api", "admin")
        assert (body["status"], body["program"], body["language"]) == (
            "recording",
            "child_care",
            "es",
        )
        status, again = await api.call("POST", path, {})
        assert status == 409, again
        await call.caller_audio.hears_besides(AGENT_HZ)
        await call.agent_audio.hears(CALLER_HZ, share=0.98, window_s=1.0)  # the script ended
        status, ended = await api.call("DELETE", path)
        assert status == 200 and ended["status"] == "recorded", ended
        assert ended["files"]["caller"]["sha256"] and ended["ended_by"] == "api"
        await call.agent_audio.hears(CALLER_HZ, share=0.98, window_s=1.0)  # the script stopped

        status, body = await api.call("POST", path, {"ssn_last4": "6789"})
        assert status == 201 and body["ssn_last4"] == "6789", body
        await call.agent_audio.hears_besides(CALLER_HZ)
        # The caller hangs up mid-capture (the block ends with their BYE).
    incomplete = await recorder.wait_for(call.call_id, "signature_incomplete")
    assert incomplete.details["ended_by"] == "caller_hangup"
    row = await db.fetchrow(
        "SELECT status, caller_bytes, both_bytes, chain_seq FROM telephonic_signatures"
        " WHERE id = $1::uuid",
        body["id"],
    )
    assert row["status"] == "incomplete" and row["chain_seq"] is not None
    assert row["caller_bytes"] > 44 and row["both_bytes"] > 44  # more than a WAV header
    status, listed = await api.call("GET", f"/api/v1/signatures?call={call.call_id}")
    assert [r["status"] for r in listed["signatures"]] == ["recorded", "incomplete"]


async def test_a_restart_mid_capture_keeps_the_capture_incomplete(
    phones: Callable[..., Awaitable[SipPhone]],
    stack: Stack,
    recorder: EventRecorder,
    service_runner: ServiceRunner,
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    """Stopped gracefully, the service seals the capture in progress; a row a crashed run
    left open is sealed by the next start."""
    orphan = await service.signatures.service.begin(
        call_id="sig-orphan-call",
        agent_id="gone",
        how="api",
        by="test",
        program=None,
        language="en",
        caller=Caller(),
    )
    async with _call(phones, stack, recorder, tmp_path, "sigrst1", "3943") as call:
        await call.agent.press("*86")
        started = await recorder.wait_for(call.call_id, "signature_started")
        await call.agent_audio.hears_besides(CALLER_HZ)
        await service_runner.stop()
        row = await db.fetchrow(
            "SELECT status, ended_by, caller_bytes FROM telephonic_signatures WHERE id = $1::uuid",
            started.details["signature_id"],
        )
        assert (row["status"], row["ended_by"]) == ("incomplete", "service_restart")
        assert row["caller_bytes"] > 44
        await call.agent_audio.hears(CALLER_HZ, share=0.5)  # the call goes on
        after = EventRecorder()
        await service_runner.start(after)
        sealed = await after.wait_for("sig-orphan-call", "signature_incomplete")
        assert sealed.details["ended_by"] == "service_restart"
    status = await db.fetchval(
        "SELECT status FROM telephonic_signatures WHERE id = $1", orphan.row.id
    )
    assert status == "incomplete"


async def test_a_signature_ends_recorded_at_the_policys_maximum(
    phones: Callable[..., Awaitable[SipPhone]],
    stack: Stack,
    recorder: EventRecorder,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    async with _call(phones, stack, recorder, tmp_path, "sigmax1", "3944") as call:
        await call.agent.press("*86")  # and nothing more: the policy's maximum ends it
        started = await recorder.wait_for(call.call_id, "signature_started")
        recorded = await recorder.wait_for(call.call_id, "signature_recorded", timeout=60)
        assert recorded.details["ended_by"] == "max_duration"
        await call.agent_audio.hears(CALLER_HZ, share=0.98, window_s=1.0)  # the call goes on
    row = await db.fetchrow(
        "SELECT status, duration_seconds FROM telephonic_signatures WHERE id = $1::uuid",
        started.details["signature_id"],
    )
    assert row["status"] == "recorded" and 19 <= row["duration_seconds"] <= 40, dict(row)
