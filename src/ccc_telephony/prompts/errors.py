"""The one error type of the prompts feature.

Its message is shown to an admin as is (in the CLI and the admin UI), so it says what is wrong
with their file or setup in plain words and never carries a traceback or a tool's raw output.
"""

from __future__ import annotations


class PromptError(Exception):
    """A prompt cannot be generated, converted, saved or published; the message says why."""
