"""The policy's part for confidential cases: how soon the assigned worker calls back, and how
the service keeps the promise in sight.

The standard: the agent tells the assigned worker (copying the leads) the caller's name, case
number, phone and best time; the worker calls back within 24 hours, during their call-center
shift.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# The standard's promise: a call back within this many hours, inside the worker's shift.
DEFAULT_CALLBACK_HOURS = 24


class Confidential(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    callback_hours: int = Field(default=DEFAULT_CALLBACK_HOURS, ge=1, le=7 * 24)
    # Less of the worker's shift than this within those hours is no time to call back in
    # (marked Friday a minute before the shift ends): the end of their next shift instead,
    # and the task says the hours could not be met.
    min_shift_minutes: int = Field(default=60, ge=0, le=8 * 60)
    # A task not done this long before its due time is flagged to those told (once).
    warn_before_minutes: int = Field(default=60, ge=5, le=8 * 60)
    # Failed attempts (no answer, busy, ...) after which the task is unreachable.
    max_attempts: int = Field(default=3, ge=1, le=10)
    # A task still missing what the worker must be told this long after it was marked goes to
    # the leads (once): until it is complete nobody is told, and its 24 hours are running.
    incomplete_minutes: int = Field(default=30, ge=5, le=24 * 60)
    # How often overdue (and incomplete) tasks are looked for (each goes to the leads once).
    check_seconds: int = Field(default=60, ge=5, le=3600)
