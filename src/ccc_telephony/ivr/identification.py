"""What a caller keyed to identify themselves: a case number, an SSN, or nothing.

An SSN never leaves this function in clear: a caller's identity keeps only its last four
digits (what the answering agent sees) and a keyed hash (HMAC-SHA256), so repeat calls by one
person can be matched without keeping the number anywhere, not even in memory.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from dataclasses import dataclass

SSN_LENGTH = 9
_SSN = re.compile(r"^[0-9]{9}$")


class IdentityKind(enum.StrEnum):
    CASE_NUMBER = "case_number"
    SSN = "ssn"
    SKIPPED = "skipped"
    INVALID = "invalid"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    kind: IdentityKind
    case_number: str | None = None
    ssn_last4: str | None = None
    ssn_hmac: str | None = None

    def public(self) -> dict[str, str]:
        """The fields that may be stored, logged and shown: never the full SSN."""
        data = {"kind": self.kind.value}
        if self.case_number:
            data["case_number"] = self.case_number
        if self.ssn_last4:
            data["ssn_last4"] = self.ssn_last4
        if self.ssn_hmac:
            data["ssn_hmac"] = self.ssn_hmac
        return data


def valid_ssn(digits: str) -> bool:
    """SSA's rules: 9 digits; area not 000, 666 or 900-999; group not 00; serial not 0000."""
    if not _SSN.fullmatch(digits):
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


def identify(keyed: str, *, case_pattern: str, hash_key: bytes) -> CallerIdentity:
    """Classify what the caller keyed (terminator already removed).

    `*` alone means "I have neither"; an empty entry means nothing was keyed.
    """
    if keyed == "":
        return CallerIdentity(IdentityKind.NONE)
    if keyed == "*":
        return CallerIdentity(IdentityKind.SKIPPED)
    if not keyed.isdigit() or not keyed.isascii():
        return CallerIdentity(IdentityKind.INVALID)
    # Nine digits are an SSN (or a mistyped one) before anything else: a case-number pattern
    # that also matched them would put SSNs in clear into the call record, events, caller ID
    # and SIP headers.
    if len(keyed) == SSN_LENGTH:
        if not valid_ssn(keyed):
            return CallerIdentity(IdentityKind.INVALID)
        return CallerIdentity(
            IdentityKind.SSN,
            ssn_last4=keyed[-4:],
            ssn_hmac=ssn_hash(keyed, hash_key),
        )
    if re.fullmatch(case_pattern, keyed):
        return CallerIdentity(IdentityKind.CASE_NUMBER, case_number=keyed)
    return CallerIdentity(IdentityKind.INVALID)


def ssn_hash(ssn: str, key: bytes) -> str:
    return hmac.new(key, ssn.encode("ascii"), hashlib.sha256).hexdigest()
