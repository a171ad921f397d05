"""The callbacks part of the policy: a caller who has waited in a queue this long is offered a
call back instead of waiting on (app_queue's periodic announcement, the key 1 leaves the queue
into our app), and how an unanswered callback is tried again."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# The prompts a callback needs in each language with a voice: the offer app_queue plays, the
# number read back, the questions, and the goodbye.
OFFER_PROMPT = "callback_offer"
CALLBACK_PROMPTS = (
    OFFER_PROMPT,
    "callback_number_is",
    "callback_confirm",
    "callback_enter_number",
    "callback_invalid",
    "callback_thanks",
    "callback_back_in_line",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Callbacks(_Strict):
    enabled: bool = True
    # app_queue's periodic-announce-startdelay: the offer after this long in the queue.
    offer_after_seconds: int = Field(default=120, ge=10, le=3600)
    # And again every so often while the caller still waits (app_queue's frequency).
    offer_repeat_seconds: int = Field(default=120, ge=30, le=3600)
    # A callback nobody answered is tried again this much later, at the head of the queue,
    # until it has been tried this many times; then it is a failed contact.
    retry_minutes: int = Field(default=10, ge=1, le=240)
    max_attempts: int = Field(default=3, ge=1, le=10)

    def prompts(self) -> list[str]:
        return list(CALLBACK_PROMPTS) if self.enabled else []
