"""The codes an agent keys on their phone during a call (features.conf's applicationmap on the
agent's leg of every queue call). Each raises the AMI UserEvent `CCCFeature` naming it; the
service does the rest. Transfer codes move the caller (transfers/codes.py); tool codes act on
the call without moving anyone (calltools/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The AMI UserEvent a code raises on the agent's leg.
FEATURE_EVENT = "CCCFeature"


@dataclass(frozen=True, slots=True)
class FeatureCode:
    """`name` is the applicationmap entry and the UserEvent's Feature. A transfer code's
    `target` is a queue or a rule the service resolves (worker_requested, agents_supervisor,
    leads_supervisor); a tool code's is the tool's own name."""

    name: str
    keys: str
    target: str
    kind: Literal["transfer", "tool"] = "transfer"


def _tool(name: str, keys: str) -> FeatureCode:
    return FeatureCode(f"ccc_{name}", keys, name, kind="tool")


# The mid-call tools, the same in every consortium (README: "Codes during a call").
TOOL_CODES = (
    _tool("signature_start", "*86"),
    _tool("signature_end", "*87"),
    _tool("signature_cancel", "*88"),
    _tool("interpreter_in", "*61"),
    _tool("interpreter_out", "*62"),
    _tool("interpreter_step", "*63"),
    _tool("interpreter_id", "*64"),
    _tool("abusive_end", "*90"),
    _tool("threat", "*91"),
    _tool("confidential", "*92"),
)
