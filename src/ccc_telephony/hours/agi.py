"""The FastAGI `hours` command: an admin's own dialplan asks the same hours rules we use.

same => n,AGI(agi://127.0.0.1:4573/hours)
same => n,GotoIf($["${CCC_OPEN}" = "1"]?open:closed)
"""

from __future__ import annotations

from ccc_telephony.asterisk.agi import AgiRequest, AgiSession, Handler
from ccc_telephony.hours.service import HoursService


def agi_handlers(hours: HoursService) -> dict[str, Handler]:
    async def hours_command(_: AgiRequest, session: AgiSession) -> None:
        status = hours.status()
        await session.set_variable("CCC_OPEN", "1" if status.open else "0")
        await session.set_variable("CCC_REASON", status.reason.value)

    return {"hours": hours_command}
