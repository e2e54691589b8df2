"""Relative time expressions in questions -> time windows before the query time.

``parse_window("what did Alice say yesterday afternoon?", now)`` gives yesterday 12:00-18:00
in the wearer's timezone. Recognised: just now / a moment ago, today, this morning /
afternoon / evening, tonight, (at) noon, yesterday [+ part of day], last night, the day /
night / <part> before yesterday, N minutes / hours / days / weeks ago (digits or words, "an
hour and a half", "half a day"), on day N / DAYN, weekdays ("Tuesday", "last Tuesday", "on
Tuesday morning"), ordinal days of the recording ("the first day", "on the third day", with
``day1``), this / last weekend, "before lunch" / "after lunch" / "after dinner" (alone or
after a day: "this morning before lunch", "yesterday after dinner"), clock times ("at 9:15",
"at 3 pm"), this / last week. "last time", "the last time I…", "previously", "before" set
``recent`` (prefer the latest match) without narrowing.
The same parser reads answer options such as "About four hours ago" or "Yesterday at noon".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Parts of the day in local hours [start, end); night runs past midnight.
PARTS = {
    "morning": (5, 12), "noon": (11, 14), "midday": (11, 14), "lunchtime": (11, 14), "afternoon": (12, 18),
    "evening": (17, 24), "night": (18, 28),
}
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "forty-five": 45, "a couple of": 2, "a few": 3, "several": 3,
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNIT_S = {"second": 1, "minute": 60, "min": 60, "hour": 3600, "hr": 3600, "day": 86400, "week": 7 * 86400}
_NUM = r"(\d+(?:\.\d+)?|a couple of|a few|several|forty-five|" + "|".join(k for k in _NUMBERS if " " not in k and k != "forty-five") + r")"
_AGO = re.compile(_NUM + r"(?:\s+and\s+(a\s+)?half)?\s+(second|minute|min|hour|hr|day|week)s?(?:\s+and\s+a\s+half)?\s+ago")
_HALF_AGO = re.compile(r"\bhalf\s+(?:an?\s+)?(hour|day|minute)\s+ago")
_CLOCK = re.compile(r"\bat\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?![\d:])")
_DAYN = re.compile(r"\b(?:on\s+)?day\s*(\d{1,3})\b")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_ORDINAL_DAY = re.compile(r"\b(?:the\s+)?(" + "|".join(_ORDINALS) + r")\s+day\b")
# Meals split the day: (name, local hour it starts, local hour it ends).
_MEAL_HOURS = {"breakfast": (7, 9), "lunch": (12, 13), "dinner": (18, 20), "supper": (18, 20)}
_MEAL_EDGE = re.compile(r"\b(before|after)\s+(breakfast|lunch|dinner|supper)\b")
_RECENT = re.compile(r"\b(last time|the last|previous(?:ly)?|before|earlier|most recent(?:ly)?|latest|again)\b")


@dataclass(frozen=True)
class TimeWindow:
    """A span to search, ``start`` None = from the beginning; ``recent`` = prefer the latest match."""

    start: datetime | None
    end: datetime
    label: str
    recent: bool = False
    hard: bool = False  # a filter (explicit windows, "before that"), not just a preference

    def contains(self, when: datetime) -> bool:
        return (self.start is None or when >= self.start) and when < self.end


def _local_midnight(now: datetime, tz: ZoneInfo, days_back: int = 0) -> datetime:
    day = now.astimezone(tz).date() - timedelta(days=days_back)
    return datetime.combine(day, time.min, tz)


def _part(midnight: datetime, part: str) -> tuple[datetime, datetime]:
    h0, h1 = PARTS[part]
    return midnight + timedelta(hours=h0), midnight + timedelta(hours=h1)


def _number(token: str) -> float:
    return float(token) if token[0].isdigit() else float(_NUMBERS[token])


def _part_in(text: str) -> str | None:
    text = _MEAL_EDGE.sub(" ", text)  # "before lunch" cuts a part of the day; it is not "noon"
    for part in ("afternoon", "morning", "evening", "night", "noon", "midday", "lunchtime"):
        if re.search(rf"\b{part}\b", text):
            return part
    if re.search(r"\b(lunch)\b", text):
        return "noon"
    return None


def parse_window(text: str, now: datetime, *, timezone: str = "UTC", day1: date | None = None) -> TimeWindow | None:
    """The window a question's words point at (always ending at or before ``now``), or None."""
    tz = ZoneInfo(timezone)
    t = " " + re.sub(r"\s+", " ", text.lower().replace("？", "?")) + " "
    recent = bool(_RECENT.search(t))
    found = _match(t, now, tz, day1)
    if found is None:
        return TimeWindow(None, now, "last time", True) if recent else None
    start, end, label = found
    start, end, label = _meal_edge(t, start, end, label, now, tz)
    return TimeWindow(start, min(end, now), label, recent)


def _meal_edge(t: str, start, end, label: str, now: datetime, tz: ZoneInfo):
    """Cut a day-part window at a meal ("this morning before lunch" ends when lunch starts)."""
    edge = _MEAL_EDGE.search(t)
    if edge is None or start is None or label.startswith(("at ", "just", "half")) or "ago" in label:
        return start, end, label
    first, last = _MEAL_HOURS[edge.group(2)]
    midnight = datetime.combine(start.astimezone(tz).date(), time.min, tz)
    if edge.group(1) == "before":
        return start, min(end, midnight + timedelta(hours=first)), f"{label} {edge.group(0)}"
    return max(start, midnight + timedelta(hours=last)), end, f"{label} {edge.group(0)}"


def _meal_alone(t, now, tz, day1):
    """"before lunch" / "after dinner" with no day named: today."""
    if not _MEAL_EDGE.search(t):
        return None
    mid = _local_midnight(now, tz)
    return mid + timedelta(hours=5), mid + timedelta(days=1), "today"


def _match(t: str, now: datetime, tz: ZoneInfo, day1: date | None) -> tuple[datetime | None, datetime, str] | None:
    for matcher in (_ago, _relative_days, _day_number, _ordinal_day, _weekend, _weekday, _today, _clock, _weeks,
                    _meal_alone):
        found = matcher(t, now, tz, day1)
        if found is not None:
            return found
    return None


def _ago(t, now, tz, day1):
    half = _HALF_AGO.search(t)
    match = None if half else _AGO.search(t)
    if match:
        amount = _number(match.group(1)) + (0.5 if "half" in match.group(0) else 0.0)
        unit = _UNIT_S[match.group(3)]
    elif half:
        amount, unit = 0.5, _UNIT_S[half.group(1)]
    elif re.search(r"\b(just now|a moment ago|just|a while ago|moments ago)\b", t):
        return now - timedelta(minutes=30), now, "just now"
    else:
        return None
    offset_s = amount * unit
    # "about N hours ago" is approximate: +-25 % of the offset, at least 15 minutes.
    slack_s = max(0.25 * offset_s, 900.0)
    point = now - timedelta(seconds=offset_s)
    return point - timedelta(seconds=slack_s), point + timedelta(seconds=slack_s), match.group(0) if match else "half ago"


def _relative_days(t, now, tz, day1):
    part = _part_in(t)
    if re.search(r"\b(the )?(day|night|morning|afternoon|evening|noon) before yesterday\b", t) or "two days ago" in t:
        mid = _local_midnight(now, tz, 2)
        if part:
            return (*_part(mid, part), f"the {part} before yesterday")
        return mid, mid + timedelta(days=1), "the day before yesterday"
    if re.search(r"\blast night\b", t):
        return (*_part(_local_midnight(now, tz, 1), "night"), "last night")
    if re.search(r"\byesterday\b", t):
        mid = _local_midnight(now, tz, 1)
        if part:
            return (*_part(mid, part), f"yesterday {part}")
        return mid, mid + timedelta(days=1), "yesterday"
    if re.search(r"\bthree days ago\b", t):
        mid = _local_midnight(now, tz, 3)
        return mid, mid + timedelta(days=1), "three days ago"
    return None


def _day_number(t, now, tz, day1):
    match = _DAYN.search(t)
    if not match or day1 is None:
        return None
    mid = datetime.combine(day1 + timedelta(days=int(match.group(1)) - 1), time.min, tz)
    part = _part_in(t)
    if part:
        return (*_part(mid, part), f"day {match.group(1)} {part}")
    return mid, mid + timedelta(days=1), f"day {match.group(1)}"


def _ordinal_day(t, now, tz, day1):
    match = _ORDINAL_DAY.search(t)
    if not match or day1 is None:
        return None
    n = _ORDINALS.index(match.group(1)) + 1
    return _day_number(f" day {n} {t}", now, tz, day1)


def _weekend(t, now, tz, day1):
    """"last weekend": the latest Saturday-Sunday fully before today; "this weekend": the current one."""
    match = re.search(r"\b(last|this|the)\s+weekend\b", t) or re.search(r"\bon the weekend\b", t)
    if not match:
        return None
    today = now.astimezone(tz).date()
    if match.group(0).startswith("this") and today.weekday() >= 5:
        back = today.weekday() - 5  # we are in it: from Saturday until now
    else:
        back = (today.weekday() - 5) % 7 + (7 if today.weekday() >= 5 else 0)
    saturday = _local_midnight(now, tz, back)
    return saturday, saturday + timedelta(days=2), "this weekend" if back < 2 else "last weekend"


def _weekday(t, now, tz, day1):
    for index, name in enumerate(_WEEKDAYS):
        if re.search(rf"\b{name}\b", t):
            today = now.astimezone(tz).date()
            back = (today.weekday() - index) % 7 or (7 if re.search(rf"\blast {name}\b", t) else 0)
            mid = _local_midnight(now, tz, back)
            part = _part_in(t)
            if part:
                return (*_part(mid, part), f"{name} {part}")
            return mid, mid + timedelta(days=1), name
    return None


def _today(t, now, tz, day1):
    mid = _local_midnight(now, tz)
    match = re.search(r"\b(this|today'?s?|tonight)\s*(morning|afternoon|evening|noon|night)?\b", t)
    if re.search(r"\btonight\b", t):
        return (*_part(mid, "night"), "tonight")
    if match and match.group(1) == "this" and match.group(2):
        return (*_part(mid, match.group(2)), f"this {match.group(2)}")
    if re.search(r"\btoday\b", t):
        part = _part_in(t)
        if part:
            return (*_part(mid, part), f"today {part}")
        return mid, mid + timedelta(days=1), "today"
    if re.search(r"\b(at|around) (noon|lunch(time)?|midday)\b", t):
        return (*_part(mid, "noon"), "noon")
    return None


def _clock(t, now, tz, day1):
    match = _CLOCK.search(t)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").replace(".", "")
    if hour > 23 or minute > 59 or (not match.group(2) and not meridiem):
        return None  # "at 3" alone is too vague to be a time
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    mid = _local_midnight(now, tz)
    point = mid + timedelta(hours=hour, minutes=minute)
    if point > now:
        point -= timedelta(days=1)  # the latest such clock time before the question
    return point - timedelta(minutes=15), point + timedelta(minutes=15), f"at {hour:02d}:{minute:02d}"


def _weeks(t, now, tz, day1):
    if re.search(r"\bthis week\b", t):
        mid = _local_midnight(now, tz, now.astimezone(tz).weekday())
        return mid, now, "this week"
    if re.search(r"\blast week\b", t):
        mid = _local_midnight(now, tz, now.astimezone(tz).weekday() + 7)
        return mid, mid + timedelta(days=7), "last week"
    return None
