"""Telephonic signatures as the service keeps them: a capture begun and ended (its row, its
files moved into the vault, its seal in the chain, its call events), and every way staff read
them (listing, one record, the audio), each audited.

A capture's row is written the moment it starts, with the opaque names its two recordings get
in Asterisk's spool, so nothing is lost if the service stops mid-capture: at the next start
every capture still open is sealed incomplete with whatever audio Asterisk wrote
(signatures/capture.py, Captures.run).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.policy import Policy
from ccc_telephony.prompts.library import PromptLibrary
from ccc_telephony.signatures import ledger
from ccc_telephony.signatures.access import may_hear
from ccc_telephony.signatures.scripts import Script, script_for
from ccc_telephony.signatures.vault import StoredFile, Vault, new_name
from ccc_telephony.store import signatures as store
from ccc_telephony.store.signatures import Access, SignatureRow
from ccc_telephony.web.auth import Principal

log = structlog.get_logger(__name__)

EmitCall = Callable[[str, str, Mapping[str, Any]], None]
Part = Literal["caller", "both"]
# Why a capture ended: the agent's end code or the API, the policy's maximum (recorded); the
# caller or the agent hanging up, a transfer, a cancel, a restart, a failure (incomplete).
EndedBy = Literal[
    "end_code",
    "api",
    "max_duration",
    "caller_hangup",
    "agent_hangup",
    "transferred",
    "call_ended",
    "cancelled",
    "service_restart",
    "error",
]
_SSN_LAST4 = re.compile(r"^[0-9]{4}$")
CASE_NUMBER_MAX = 32
# A WAV file of nothing but its header: recorded, but not a word of the caller in it.
WAV_HEADER_BYTES = 44


class UnknownSignature(LookupError):
    pass


class NotAllowed(PermissionError):
    pass


class AudioUnavailable(Exception):
    """No audio to hand out: still recording, purged, or never recorded (the message says)."""

    def __init__(self, detail: str, *, gone: bool) -> None:
        super().__init__(detail)
        self.gone = gone


class BadCapture(ValueError):
    """A capture's program, language or case is not one the policy knows (the message says)."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Whose signature: a case number or the last four of the SSN (never a full SSN)."""

    case_number: str | None = None
    ssn_last4: str | None = None


@dataclass(frozen=True, slots=True)
class Begun:
    row: SignatureRow
    script: Script


class SignatureService:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        vault: Vault,
        policy: Policy,
        library: PromptLibrary,
        clock: Callable[[], datetime],
        emit: EmitCall,
        recordings_dir: Path,
    ) -> None:
        """`recordings_dir`: where Asterisk writes recordings, as this process sees it."""
        self.engine = engine
        self.vault = vault
        self.policy = policy
        self._library = library
        self._clock = clock
        self._emit = emit
        self._recordings_dir = recordings_dir

    def now(self) -> datetime:
        return self._clock()

    # --- a capture ------------------------------------------------------------------------
    def checked_caller(self, caller: Caller) -> Caller:
        """The caller's case number as the policy writes them, an SSN's last four digits."""
        case, last4 = caller.case_number or None, caller.ssn_last4 or None
        pattern = self.policy.caller_identification.case_number_pattern
        if case is not None and (len(case) > CASE_NUMBER_MAX or not re.fullmatch(pattern, case)):
            raise BadCapture("case_number: not a case number")
        if last4 is not None and not _SSN_LAST4.fullmatch(last4):
            raise BadCapture("ssn_last4: four digits (never a full SSN)")
        return Caller(case, last4)

    def checked_choice(self, program: str | None, language: str | None) -> tuple[str, str]:
        signatures = self.policy.signatures
        chosen = program or signatures.default_program
        if chosen not in signatures.programs:
            raise BadCapture(f"program: one of {', '.join(signatures.programs)}")
        spoken = language or self.policy.languages[0].code
        if spoken not in {lang.code for lang in self.policy.languages}:
            raise BadCapture("language: not a configured language")
        return chosen, spoken

    async def begin(
        self,
        *,
        call_id: str,
        agent_id: str,
        how: str,
        by: str,
        program: str | None,
        language: str | None,
        caller: Caller,
    ) -> Begun:
        """The row of a capture about to start, and the script the caller is to hear; `how`
        it was asked for (code, api) and `by` whom. BadCapture / ScriptUnavailable when it
        cannot start (nothing is written then)."""
        who = self.checked_caller(caller)
        chosen, spoken = self.checked_choice(program, language)
        script = await asyncio.to_thread(script_for, self.policy, self._library, chosen, spoken)
        at = self.now()
        await store.keep_script(
            self.engine,
            script_id=script.script_id,
            language=spoken,
            version=script.version,
            parts=[part.as_json() for part in script.parts],
            at=at,
        )
        row = await store.create(
            self.engine,
            {
                "id": uuid.uuid4(),
                "call_id": call_id,
                "case_number": who.case_number,
                "ssn_last4": who.ssn_last4,
                "agent_id": agent_id,
                "program": chosen,
                "language": spoken,
                "script_id": script.script_id,
                "script_version": script.version,
                "started_at": at,
                "status": "recording",
                "caller_file": new_name(),
                "both_file": new_name(),
            },
        )
        log.info("signature capture started", call_id=call_id, signature_id=str(row.id))
        self._emit(
            call_id,
            "signature_started",
            {
                "signature_id": str(row.id),
                "agent": agent_id,
                "how": how,
                "by": by,
                "program": chosen,
                "language": spoken,
                "script_id": script.script_id,
                "script_version": script.version,
            },
        )
        return Begun(row, script)

    async def finish(
        self, row: SignatureRow, *, complete: bool, ended_by: EndedBy
    ) -> SignatureRow | None:
        """Seal a capture: its files moved into the vault, `recorded` when it completed with
        the caller's audio, else `incomplete` (whatever was recorded is kept). None if it was
        sealed already."""
        caller = await self._keep(row.caller_file)
        both = await self._keep(row.both_file)
        ended = self.now()
        heard = caller is not None and caller.size > WAV_HEADER_BYTES  # more than a header
        status = "recorded" if complete and heard else "incomplete"
        seconds = Decimal(max((ended - row.started_at).total_seconds(), 0.0))
        sealed = await ledger.seal(
            self.engine,
            row.id,
            {
                "status": status,
                "ended_at": ended,
                "ended_by": ended_by,
                "duration_seconds": seconds.quantize(Decimal("0.001")),
                "caller_bytes": None if caller is None else caller.size,
                "caller_sha256": None if caller is None else caller.sha256,
                "both_bytes": None if both is None else both.size,
                "both_sha256": None if both is None else both.sha256,
            },
        )
        if sealed is None:
            return None
        log.info(
            "signature capture ended", call_id=row.call_id, signature_id=str(row.id), status=status
        )
        self._emit(
            row.call_id,
            f"signature_{status}",
            {
                "signature_id": str(row.id),
                "agent": row.agent_id,
                "ended_by": ended_by,
                "duration_seconds": float(sealed.duration_seconds or 0),
            },
        )
        return sealed

    async def open_captures(self) -> list[SignatureRow]:
        """Captures begun and not sealed."""
        return await store.signatures(self.engine, statuses={"recording"})

    async def _keep(self, name: str) -> StoredFile | None:
        spooled = self._recordings_dir / f"{name}.wav"
        return await asyncio.to_thread(self.vault.keep, spooled, name)

    # --- reading, audited -----------------------------------------------------------------
    async def listing(
        self, principal: Principal, *, case_number: str | None, call_id: str | None
    ) -> list[SignatureRow]:
        rows = await store.signatures(self.engine, case_number=case_number, call_id=call_id)
        subject = f"case:{case_number}" if case_number is not None else f"call:{call_id}"
        await self._audit(principal, "list", subject, [row.id for row in rows], allowed=True)
        return rows

    async def record(
        self, principal: Principal, signature_id: UUID
    ) -> tuple[SignatureRow, list[dict[str, Any]] | None]:
        """One signature and the words of the script its caller heard."""
        row = await self._found(signature_id)
        await self._audit(principal, "view", str(row.id), [row.id], allowed=True)
        parts = await store.script_parts(
            self.engine, row.script_id, row.language, row.script_version
        )
        return row, parts

    async def audio(self, principal: Principal, signature_id: UUID, part: Part) -> Path:
        """The file to hand out; NotAllowed (audited as refused) for anyone else."""
        row = await self._found(signature_id)
        allowed = may_hear(principal, row)
        await self._audit(principal, "download", str(row.id), [row.id], allowed=allowed, part=part)
        if not allowed:
            raise NotAllowed("only the agent who took it, leads, supervisors and the admin")
        if row.status == "recording":
            raise AudioUnavailable("the capture is still recording", gone=False)
        if row.status == "purged":
            raise AudioUnavailable("the audio was purged after its retention time", gone=True)
        digest = row.caller_sha256 if part == "caller" else row.both_sha256
        if digest is None:
            raise AudioUnavailable("nothing was recorded", gone=True)
        return self.vault.path(row.caller_file if part == "caller" else row.both_file)

    async def _found(self, signature_id: UUID) -> SignatureRow:
        row = await store.signature(self.engine, signature_id)
        if row is None:
            raise UnknownSignature(str(signature_id))
        return row

    async def _audit(
        self,
        principal: Principal,
        action: str,
        subject: str,
        ids: list[UUID],
        *,
        allowed: bool,
        part: str | None = None,
    ) -> None:
        await store.record_access(
            self.engine,
            Access(
                at=self.now(),
                who=principal.who,
                role=principal.role,
                action=action,
                subject=subject,
                signature_ids=ids,
                allowed=allowed,
                part=part,
            ),
        )
