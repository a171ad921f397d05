"""Every form an agent's phone, a REFER or an admin can write a number in comes out as the same
ten digits, and anything that is not an outside number comes out as None, never an error."""

from __future__ import annotations

import random
import string

import pytest

from ccc_telephony.directory.numbers import LONGEST_INPUT, NANP, normalize

NUMBER = "6085550199"


@pytest.mark.parametrize(
    "raw",
    [
        "6085550199",
        "+16085550199",
        "16085550199",
        "1 608 555 0199",
        "+1 (608) 555-0199",
        "608-555-0199",
        "(608) 555 0199",
        "(608)555-0199",
        "608.555.0199",
        " 608 555 0199\t",
        "608\u00a0555\u00a00199",  # no-break spaces pasted from a web page
        "sip:6085550199@10.0.0.1",
        "sip:+1-608-555-0199@host;user=phone",
        "SIP:+16085550199@host",
        "sips:6085550199@pbx.example.org:5061",
        "sip:6085550199",
        "sip:6085550199:secret@host",
        "<sip:6085550199@10.0.0.1:5060;transport=udp>",
        '"Bay Lake" <sip:16085550199@10.0.0.1>;tag=abc',
        "<sip:6085550199@host?Replaces=abc%40def>",
        "tel:+1-608-555-0199",
        "TEL:+1.608.555.0199",
        "tel:6085550199;phone-context=+1",
        "tel:555-0199;phone-context=+1-608",
        "sip:6085550199;phone-context=+1@host",
        "sip:5550199;phone-context=+1608@host;user=phone",
        "sip:6085550199;phone-context=pbx.example.org@host",
        "608%20555%200199",
        "%2B16085550199",
        "sip:%2B1%20608%20555%200199@host",
        "%252B16085550199",  # encoded twice
        "%25252B16085550199",  # three times
        "6085550199@host",
    ],
)
def test_every_form_is_the_same_number(raw: str) -> None:
    assert normalize(raw) == NUMBER


@pytest.mark.parametrize(
    "raw",
    ["9 1 608 555 0199", "96085550199", "916085550199", "9-608-555-0199", "sip:96085550199@pbx"],
)
def test_an_outside_line_prefix_is_dropped(raw: str) -> None:
    assert normalize(raw, dial_prefixes=["9"]) == NUMBER


def test_a_prefix_is_dropped_only_when_the_whole_is_not_a_number() -> None:
    # 920 is a Wisconsin area code: dialled without the prefix, it stays itself.
    assert normalize("9205550199", dial_prefixes=["9"]) == "9205550199"
    assert normalize("99205550199", dial_prefixes=["9"]) == "9205550199"
    assert normalize("96085550199") is None  # no prefix configured: 11 digits, not a number


def test_every_prefix_is_tried() -> None:
    assert normalize("96085550199", dial_prefixes=["96", "9"]) == NUMBER
    assert normalize("86085550199", dial_prefixes=["9", "8"]) == NUMBER
    assert normalize("786085550199", dial_prefixes=["", "78"]) == NUMBER


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "3101",  # an agent's extension
        "*70",  # a feature code
        "*676085550199",
        "#6085550199",
        "5550199",  # seven digits: no area code
        "608555019",
        "60855501990",
        "26085550199",  # eleven digits that do not start with 1
        "0085550199",  # area code starting with 0
        "1085550199",  # area code starting with 1
        "6080550199",  # exchange starting with 0
        "6081550199",  # exchange starting with 1
        "16081550199",
        "+446085550199",  # another country
        "+1608555019",
        "+",
        "++16085550199",
        "1+6085550199",
        "608-555-0199 x12",
        "608-555-0199#",
        "608-55S-0199",
        "1-800-FLOWERS",
        "\u0666\u0660\u0668\u0665\u0665\u0665\u0660\u0661\u0669\u0669",  # Arabic-Indic digits
        "\uff16\uff10\uff18\uff15\uff15\uff15\uff10\uff11\uff19\uff19",  # full-width digits
        "sip:host.example.org",
        "sip:10.0.0.1:5060",
        "sip:@host",
        "sip:alice@host",
        "<sip:6085550199@host",  # unterminated name-addr
        "tel:6085550199;phone-context=+44",
        "%ff%fe",
        "%2525252B16085550199",  # still encoded after every round
        "%",
        "608%555%0199",
        "6085550199\x00",
        "608\n555\n0199x",
        "9" * 5000,
    ],
)
def test_what_is_not_an_outside_number(raw: str) -> None:
    assert normalize(raw) is None
    assert normalize(raw, dial_prefixes=["9"]) in (None, NUMBER)


def test_a_number_beyond_the_input_limit_is_refused() -> None:
    padded = " " * (LONGEST_INPUT - len(NUMBER)) + NUMBER
    assert normalize(padded) == NUMBER
    assert normalize(" " + padded) is None


def test_not_even_a_string() -> None:
    assert normalize(6085550199) is None  # type: ignore[arg-type]
    assert normalize(None) is None  # type: ignore[arg-type]
    assert normalize(b"6085550199") is None  # type: ignore[arg-type]


def test_normalising_twice_changes_nothing() -> None:
    assert normalize(NUMBER) == NUMBER
    assert normalize(normalize("+1 (608) 555-0199") or "") == NUMBER


_ALPHABET = string.digits * 4 + "+-.() %@;:<>=\"'*#,sipteSIPTEL/?&\\\t\n\x00\u00a0\uff10\ud800"
_PIECES = ["sip:", "tel:", "<", ">", "@host", ";phone-context=+1", "%2B", "%25", "9", "+1", "1"]


def _fuzz(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 40)))
    parts = [rng.choice(_PIECES) for _ in range(rng.randint(0, 4))]
    parts.insert(rng.randint(0, len(parts)), NUMBER if rng.random() < 0.5 else "608 555 0199")
    return "".join(parts)


def test_random_input_never_raises_and_yields_only_ten_nanp_digits() -> None:
    rng = random.Random(20261201)  # fixed: a failure is reproducible
    numbers = 0
    for _ in range(20_000):
        raw = _fuzz(rng)
        for prefixes in ((), ("9",), ("9", "", "+", "%")):
            found = normalize(raw, dial_prefixes=prefixes)
            if found is not None:
                numbers += 1
                assert NANP.fullmatch(found) and found.isascii(), raw
                assert normalize(found) == found, raw
    assert numbers > 5_000  # the fuzz reaches the paths that find a number, not only refusals


def test_a_phone_context_is_the_start_of_the_number() -> None:
    assert normalize("tel:16085550199;phone-context=+1") is None  # +1 1 608...: too long
    assert normalize("tel:6085550199;phone-context=+1-608") is None


def test_a_prefix_never_applies_to_an_international_number() -> None:
    assert normalize("+6085550199", dial_prefixes=["+"]) is None
