"""SIPp for the sandbox: scenarios built from pieces (`Scenario`), callers on the trunk
(`CallerScript`, `run_caller`), one scenario run from asyncio (`run_scenario`), and agent phones
that register, answer and place calls (`SipPhone`, `OutgoingCall`); their audio, when a test
listens, is an `RtpParty` (tests.sipp.media)."""

from tests.sipp.caller import (
    CallerScript,
    caller_command,
    caller_scenario,
    run_caller,
    scenario,
    trunk_call,
)
from tests.sipp.phone import (
    ANSWER,
    BUSY,
    NO_ANSWER,
    CallHandling,
    Carrier,
    OutgoingCall,
    SipPhone,
    answering_scenario,
    dialling_scenario,
    registration_scenario,
)
from tests.sipp.process import SippRun, run_scenario, sipp_command
from tests.sipp.runner import SippError, SippProcess, SippState
from tests.sipp.scenario import Credentials, Identity, Scenario

__all__ = [
    "ANSWER",
    "BUSY",
    "NO_ANSWER",
    "CallHandling",
    "CallerScript",
    "Carrier",
    "Credentials",
    "Identity",
    "OutgoingCall",
    "Scenario",
    "SipPhone",
    "SippError",
    "SippProcess",
    "SippRun",
    "SippState",
    "answering_scenario",
    "caller_command",
    "caller_scenario",
    "dialling_scenario",
    "registration_scenario",
    "run_caller",
    "run_scenario",
    "scenario",
    "sipp_command",
    "trunk_call",
]
