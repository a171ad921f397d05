"""Hours and moments said in words, per language: the closed message's {hours}, a mailbox
greeting's {until}."""

from __future__ import annotations

from datetime import datetime, time

from ccc_telephony.config.policy import WEEKDAYS, Interval, Policy

_DAY_NAMES = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_WORDS = {
    "en": {"range": "{a} through {b}", "span": "{a} to {b}", "join": ", and ", "closed": "closed"},
    "es": {"range": "de {a} a {b}", "span": "de {a} a {b}", "join": ", y ", "closed": "cerrado"},
}


def describe_hours(policy: Policy, language: str) -> str:
    """E.g. "Monday through Friday, 8 AM to 5 PM" from the weekly schedule."""
    days = _DAY_NAMES.get(language, _DAY_NAMES["en"])
    words = _WORDS.get(language, _WORDS["en"])
    groups: list[tuple[int, int, tuple[Interval, ...]]] = []
    for index, day in enumerate(WEEKDAYS):
        intervals = tuple(policy.hours.get(day, []))
        if not intervals:
            continue
        if groups and groups[-1][1] == index - 1 and groups[-1][2] == intervals:
            groups[-1] = (groups[-1][0], index, intervals)
        else:
            groups.append((index, index, intervals))
    if not groups:
        return words["closed"]
    parts = []
    for first, last, intervals in groups:
        label = days[first] if first == last else words["range"].format(a=days[first], b=days[last])
        spans = ", ".join(
            words["span"].format(a=say_time(i.open, language), b=say_time(i.close, language))
            for i in intervals
        )
        parts.append(f"{label}, {spans}")
    return words["join"].join(parts)


_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}
_MOMENT = {"en": "{day}, {month} {date}, at {time}", "es": "{day} {date} de {month}, a las {time}"}


def say_moment(moment: datetime, language: str) -> str:
    """E.g. "Monday, December 7, at 8:30 AM" (a local moment: convert it first)."""
    days = _DAY_NAMES.get(language, _DAY_NAMES["en"])
    months = _MONTHS.get(language, _MONTHS["en"])
    return _MOMENT.get(language, _MOMENT["en"]).format(
        day=days[moment.weekday()],
        month=months[moment.month - 1],
        date=moment.day,
        time=say_time(moment.time(), language),
    )


def say_time(moment: time, language: str) -> str:
    """E.g. "4:30 PM" in English, "16:30" in Spanish."""
    if language == "es":
        return f"{moment.hour}:{moment.minute:02d}"
    hour = moment.hour % 12 or 12
    suffix = "AM" if moment.hour < 12 else "PM"
    return f"{hour} {suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d} {suffix}"
