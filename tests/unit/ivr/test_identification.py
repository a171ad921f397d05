import pytest

from ccc_telephony.ivr.identification import IdentityKind, identify, valid_ssn

KEY = b"test-key"
CASE = r"^[0-9]{10}$"


@pytest.mark.parametrize(
    ("keyed", "kind"),
    [
        ("", IdentityKind.NONE),
        ("*", IdentityKind.SKIPPED),
        ("#", IdentityKind.INVALID),
        ("12*4", IdentityKind.INVALID),
        ("1" * 40, IdentityKind.INVALID),
        ("12345", IdentityKind.INVALID),
        ("1234567890", IdentityKind.CASE_NUMBER),
        ("123456789", IdentityKind.SSN),
        ("000456789", IdentityKind.INVALID),
        ("666456789", IdentityKind.INVALID),
        ("912456789", IdentityKind.INVALID),
        ("123006789", IdentityKind.INVALID),
        ("123450000", IdentityKind.INVALID),
        ("\uff11" * 10, IdentityKind.INVALID),  # full-width digits are not DTMF
    ],
)
def test_classification(keyed, kind) -> None:
    assert identify(keyed, case_pattern=CASE, hash_key=KEY).kind == kind


def test_ssn_is_kept_only_as_last_four_and_keyed_hash() -> None:
    identity = identify("123456789", case_pattern=CASE, hash_key=KEY)
    public = identity.public()
    assert public["ssn_last4"] == "6789"
    assert len(public["ssn_hmac"]) == 64
    assert "123456789" not in repr(identity)
    assert "123456789" not in str(public)
    assert "123456789" not in [getattr(identity, name) for name in identity.__slots__]


def test_same_ssn_same_hash_other_key_other_hash() -> None:
    one = identify("123456789", case_pattern=CASE, hash_key=KEY).ssn_hmac
    assert one == identify("123456789", case_pattern=CASE, hash_key=KEY).ssn_hmac
    assert one != identify("123456789", case_pattern=CASE, hash_key=b"other").ssn_hmac


def test_valid_ssn_rules() -> None:
    assert valid_ssn("123456789")
    assert not valid_ssn("12345678")


@pytest.mark.parametrize("pattern", [r"^[2-8][0-9]{8,9}$", r"^[0-9]+$", r"[0-9]{9,10}"])
def test_nine_digits_are_never_a_case_number_whatever_the_pattern(pattern: str) -> None:
    """A careless case-number pattern must not turn an SSN into a case number kept in clear."""
    identity = identify("234567890", case_pattern=pattern, hash_key=KEY)
    assert identity.kind == IdentityKind.SSN and identity.case_number is None
    mistyped = identify("934567890", case_pattern=pattern, hash_key=KEY)  # no valid SSN either
    assert mistyped.kind == IdentityKind.INVALID and mistyped.case_number is None
    assert identify("2345678901", case_pattern=pattern, hash_key=KEY).kind == (
        IdentityKind.CASE_NUMBER
    )
