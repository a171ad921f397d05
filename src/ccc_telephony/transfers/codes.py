"""Feature codes an agent keys during a call (features.conf's applicationmap, on the agent's leg
of every queue call): Asterisk reports each one as an AMI UserEvent, and the service asks
Asterisk for a blind transfer of the caller into `ccc-transfer-code`, which marks it `code`
and hands it to the same transfer desk as a SIP REFER. So a code can reach exactly what a REFER
can, vetted the same way.

| code | the caller goes to |
|---|---|
| *80 / *81 / *82 / *83 | the operator / the first team queue / the second / the Help queue |
| *84 | the Help lead straight away, recorded `escalated` with reason `worker_requested` |
| *851 | (a lead) the supervisor of the worker who escalated the call |
| *852 | (a lead) the lead's own supervisor |
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.asterisk.ari.channel import phone_extension
from ccc_telephony.asterisk.in_call_codes import InCallCodes, KeyedCode
from ccc_telephony.config.policy import Policy

log = structlog.get_logger(__name__)

CODE_CONTEXT = "ccc-transfer-code"


Resolve = Callable[[str, str], str | None]  # (rule, the agent keying it) -> an extension


class FeatureCodes:
    def __init__(
        self,
        policy: Policy,
        ami: Ami,
        *,
        agent_at: Callable[[str], str | None],
        supervisor_extension: Resolve,
    ) -> None:
        """`supervisor_extension(rule, agent)`: whom `agents_supervisor`/`leads_supervisor`
        reach for this agent (None: nobody)."""
        self._codes = {c.name: c for c in policy.feature_codes() if c.kind == "transfer"}
        self._ami = ami
        self._agent_at = agent_at
        self._supervisor_extension = supervisor_extension

    def register(self, codes: InCallCodes) -> None:
        for name in self._codes:
            codes.on(name, self.keyed)

    async def keyed(self, keyed: KeyedCode) -> None:
        code = self._codes[keyed.feature]
        extension = phone_extension(keyed.channel)
        agent = self._agent_at(extension) if extension else None
        if agent is None:
            log.warning("feature code from no agent's phone", feature=code.name)
            return
        exten = self.extension_for(code.target, agent)
        if exten is None:
            log.info("feature code leads nowhere", feature=code.name, agent=agent)
            return
        await self.move(keyed.channel, exten, context=CODE_CONTEXT)

    def extension_for(self, target: str, agent: str) -> str | None:
        """Where in `ccc-transfer-code` (or `-api`) a code's target takes the caller of
        `agent`: a queue, the Help lead at the caller's insistence, a supervisor."""
        if target == "worker_requested":
            return "worker-requested"
        if target.endswith("_supervisor"):
            supervisor = self._supervisor_extension(target, agent)
            return None if supervisor is None else f"supervisor-{supervisor}"
        return target

    async def move(self, agent_channel: str, exten: str, *, context: str) -> bool:
        """Asterisk's blind transfer of the agent's caller (as a REFER from the agent would),
        into `context`, which marks how it was asked for and hands it to the desk."""
        try:
            await self._ami.action(
                {
                    "Action": "BlindTransfer",
                    "Channel": agent_channel,
                    "Context": context,
                    "Exten": exten,
                }
            )
        except (ConnectionError, TimeoutError) as exc:
            log.warning("transfer not carried out", exten=exten[:40], error=str(exc))
            return False
        return True
