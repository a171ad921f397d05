"""What the call's events keep of the extension a caller keyed for a staff mailbox (the IVR's
mailbox key): an extension, never a confused caller's SSN or phone number."""

from __future__ import annotations

import pytest

from ccc_telephony.ivr.flow import mailbox_request


@pytest.mark.parametrize("keyed", ["310", "3101", "831012"])
def test_an_extension_is_kept(keyed: str) -> None:
    assert mailbox_request(keyed) == {"extension": keyed}


@pytest.mark.parametrize("keyed", ["123456789", "6085550142", "1234567", "123456789012345"])
def test_anything_longer_only_its_length(keyed: str) -> None:
    assert mailbox_request(keyed) == {"length": len(keyed)}
