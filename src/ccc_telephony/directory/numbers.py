"""One rule for what an outside phone number is, whatever form it arrives in.

An agent's phone, a REFER's Refer-To, an admin typing into the CLI: each writes the same
number differently (`+1 608-555-0199`, `sip:6085550199@pbx;user=phone`, `9 1 608 555 0199`).
The service dials outside numbers ONLY in the form `normalize` returns (ten digits, North
American Numbering Plan), so "the way the outbound route normalises" and this function are one
rule: what is vetted (another consortium's number? allow-listed?) is exactly what would be
dialled. A form this function does not recognise is not an outside number at all (None), and
None is never a permission: a caller is not transferred to something that is not a number.

A leaf module (standard library only) so that every layer can share the rule: the directory's
model validates stored numbers with it, the transfer routing vets what agents dial with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote

# Far longer than any real Refer-To or dial string; beyond it, the input is not a number.
LONGEST_INPUT = 1024
# `%252B` is `%2B` encoded once more; a few rounds cover any honest client.
DECODE_ROUNDS = 3
# NANP: area code and exchange code never start with 0 or 1.
NANP = re.compile(r"[2-9][0-9]{2}[2-9][0-9]{6}")

_SCHEME = re.compile(r"(?i)(?:sips?|tel):")
# RFC 3966 visual separators, plus the spaces people type.
_SEPARATORS = re.compile(r"[\s\-.()]+")
_DIALLED = re.compile(r"\+?[0-9]+")


def normalize(raw: str, *, dial_prefixes: Sequence[str] = ()) -> str | None:
    """The 10-digit NANP number `raw` dials, or None when it is not an outside phone number
    (a short internal extension, a feature code, another country, garbage). Never raises.

    Understood: `+1`/`1` country code; dashes, dots, spaces, parentheses; `sip:`, `sips:` and
    `tel:` URIs (in angle brackets, with a display name, a password, URI or header parameters)
    whose user part is the number; `phone-context=+1...` on a local number; percent-encoding;
    and one outside-line prefix of `dial_prefixes` (e.g. "9") when the rest is a number and the
    whole is not.

    The service dials an outside number only in the form returned here: vet that form (another
    consortium's? allow-listed?) and dial that form, never the raw string.
    """
    if not isinstance(raw, str) or len(raw) > LONGEST_INPUT:
        return None
    text = _decoded(raw)
    if text is None:
        return None
    number, context = _user_part(text)
    dialled = _SEPARATORS.sub("", number)
    if not _DIALLED.fullmatch(dialled):
        return None
    if dialled.startswith("+"):
        return _national(dialled)
    if context is not None:
        return _national(context + dialled)  # `5550199;phone-context=+1-608`
    return _national(dialled) or _after_prefix(dialled, dial_prefixes)


def user_part(raw: str) -> str:
    """What a SIP or tel URI (or a plain dial string) names, decoded, without scheme, host or
    parameters: how a Refer-To writes an extension or a queue's name; "" if unreadable."""
    if not isinstance(raw, str) or len(raw) > LONGEST_INPUT:
        return ""
    text = _decoded(raw)
    return "" if text is None else _user_part(text)[0].strip()


def _decoded(raw: str) -> str | None:
    text = raw
    for _ in range(DECODE_ROUNDS):
        if "%" not in text:
            return text
        decoded = unquote(text, errors="replace")
        if decoded == text:
            return text  # a "%" that escapes nothing: the digit check refuses it
        text = decoded
    return None if "%" in text else text  # still encoded: nobody writes a number like that


def _user_part(text: str) -> tuple[str, str | None]:
    """The number part of a URI or dial string, and its `+...` phone context if any."""
    if "<" in text:  # name-addr: `"Display" <sip:...>;tag=x`
        inner = text[text.rfind("<") + 1 :]
        text = inner[: inner.find(">")] if ">" in inner else ""
    text = text.strip()
    scheme = _SCHEME.match(text)
    if scheme:
        text = text[scheme.end() :]
    user = text.split("@", 1)[0]
    number, *params = user.split(";")
    number = number.split(":", 1)[0]  # `user:password@host`
    return number, _phone_context(params)


def _phone_context(params: list[str]) -> str | None:
    """`+1` or `+1608` from `phone-context=+1-608`; None for a domain context or none at all."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "phone-context":
            digits = _SEPARATORS.sub("", value)
            if digits.startswith("+") and _DIALLED.fullmatch(digits):
                return digits
    return None


def _after_prefix(dialled: str, prefixes: Sequence[str]) -> str | None:
    """The number behind an outside-line prefix: only when the whole was not a number."""
    for prefix in prefixes:
        if prefix and dialled.startswith(prefix):
            found = _national(dialled[len(prefix) :])
            if found is not None:
                return found
    return None


def _national(dialled: str) -> str | None:
    if dialled.startswith("+"):
        dialled = dialled[2:] if dialled.startswith("+1") else ""
    elif len(dialled) == 11 and dialled.startswith("1"):
        dialled = dialled[1:]
    return dialled if NANP.fullmatch(dialled) else None
