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
from collections.abc import Collection, Sequence
from urllib.parse import unquote

# Far longer than any real Refer-To or dial string; beyond it, the input is not a number.
LONGEST_INPUT = 1024
# `%252B` is `%2B` encoded once more; a few rounds cover any honest client.
DECODE_ROUNDS = 3
# NANP: area code and exchange code never start with 0 or 1.
NANP = re.compile(r"[2-9][0-9]{2}[2-9][0-9]{6}")


# Dialling back (return calls, queue callbacks): the center pays for the call and the number
# comes from a caller (caller ID, keyed digits), so only a geographic US number is dialled.
# NANP area codes outside the US: Canada, and the Caribbean and Atlantic countries (a call to
# 876 Jamaica or 809 the Dominican Republic is an international call billed as one).
def _codes(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NOT_US_AREA_CODES = _codes(
    # Canada
    "204 226 236 249 250 257 263 289 306 343 354 365 367 368 382 403 416 418 428 431 437 438 "
    "450 468 474 506 514 519 548 579 581 584 587 604 613 622 639 647 672 683 705 709 742 753 "
    "778 780 782 807 819 825 867 873 879 902 905 942 "
    # Bahamas, Barbados, Anguilla, Antigua, BVI, Cayman, Bermuda, Grenada, Turks and Caicos,
    # Jamaica, Montserrat, Sint Maarten, St Lucia, Dominica, St Vincent, Dominican Republic,
    # Trinidad, St Kitts
    "242 246 264 268 284 345 441 473 649 658 664 721 758 767 784 809 829 849 868 876 869"
)
# Not a place: premium (900), toll-free, personal and machine services (5XX), Canada's 600,
# 700, US government (710), international inbound (456).
NON_GEOGRAPHIC_AREA_CODES = _codes(
    "900 800 833 844 855 866 877 888 500 521 522 523 524 525 526 527 528 529 532 533 535 538 "
    "542 543 544 545 546 547 549 550 552 553 554 556 558 566 569 577 578 588 600 700 710 456"
)
# An exchange that is never a person's phone whatever the policy says: premium 976.
_PREMIUM_EXCHANGES = frozenset({"976"})

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


def dial_back_number(
    raw: str | None, *, blocked: Collection[str], allowed: Collection[str] = ()
) -> str | None:
    """The ten digits the center may dial back for `raw` (a caller's number as received, or
    what they or an agent keyed), None when it must not: not a number (`normalize`), an N11
    code as area or exchange (211, 411, 911...), a premium 976 exchange, or a number whose
    longest matching prefix among `blocked` and `allowed` is a blocked one (the policy's
    lists: area codes outside the US and non-geographic ones by default; an allowed prefix
    wins a tie). The one rule for every number dialled back (returns/dialer.py `dialable`)."""
    dialled = normalize(raw) if raw else None
    if dialled is None or _is_n11(dialled[:3]) or _is_n11(dialled[3:6]):
        return None
    if dialled[3:6] in _PREMIUM_EXCHANGES:
        return None
    found = [prefix for prefix in (*allowed, *blocked) if prefix and dialled.startswith(prefix)]
    longest = max(found, key=len, default=None)
    if longest is not None and longest in blocked and longest not in allowed:
        return None
    return dialled


def written(dialled: str) -> str:
    """608-555-0142: how staff write a ten-digit number (displays, e-mails; never nine digits
    in a row, the mailer's SSN shape)."""
    return f"{dialled[:3]}-{dialled[3:6]}-{dialled[6:]}"


def _is_n11(code: str) -> bool:
    return code[1:] == "11"
