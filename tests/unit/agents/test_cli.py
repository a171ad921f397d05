"""`ccc-telephony agents token`: no role to give (the roster's is used), and revoke."""

from __future__ import annotations

import argparse

import pytest

from ccc_telephony import cli
from ccc_telephony.agents import cli as agents_cli
from ccc_telephony.config.settings import Settings


def test_a_token_cannot_be_given_a_role(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        cli.main(["agents", "token", "maria", "--role", "supervisor"])
    assert refused.value.code == 2 and "--role" in capsys.readouterr().err


@pytest.mark.parametrize(
    "words",
    [["revoke"], ["maria", "revoke"], ["revoke", "maria", "extra"]],
)
def test_a_token_command_it_cannot_read_is_refused(
    words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(words=words, token_id=None)
    assert agents_cli._token(Settings(), args) == 2
    assert "agents token revoke ID" in capsys.readouterr().err
