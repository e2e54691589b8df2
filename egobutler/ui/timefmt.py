"""Showing and reading times in the wearer's zone (and EgoLife-style ``DAYn`` labels)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAY_RE = re.compile(r"^\s*day\s*(\d+)(?:[\s,T]+(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?)?\s*$", re.IGNORECASE)
_ISO_RE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[\sT]+(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?)?\s*$")


DAY_LABEL_SPAN_DAYS = 90


class TimeInputError(ValueError):
    """A date the user typed cannot be read; the message shows the accepted forms."""


@dataclass(frozen=True)
class Clock:
    """How times are shown: an IANA zone and, optionally, the calendar date of DAY1."""

    timezone: str = "UTC"
    day1: date | None = None

    @property
    def zone(self) -> ZoneInfo | timezone:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return timezone.utc

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def day_label(self, moment: datetime) -> str:
        """``DAY3 (Fri 2025-01-03)`` when DAY1 is known, else ``Fri 2025-01-03``."""
        day = self.local(moment).date()
        text = day.strftime("%a %Y-%m-%d")
        # DAYn only near DAY1 (EgoLife-style weeks); a memory years later keeps plain dates.
        if self.day1 is not None and 0 <= (day - self.day1).days < DAY_LABEL_SPAN_DAYS:
            return f"DAY{(day - self.day1).days + 1} ({text})"
        return text

    def hms(self, moment: datetime) -> str:
        return self.local(moment).strftime("%H:%M:%S")

    def span(self, start: datetime, end: datetime) -> str:
        """``DAY3 (Fri 2025-01-03) 14:05:10–14:05:40``."""
        return f"{self.day_label(start)} {self.hms(start)}–{self.hms(end)}"

    def parse(self, text: str | None, *, end_of_day: bool = False) -> datetime | None:
        """Read ``2025-01-03``, ``2025-01-03 14:05``, ``DAY3`` or ``DAY3 14:05`` in this zone.

        A bare date means the start of that day, or (``end_of_day``) the start of the next
        one, so that an end date includes the whole day. Empty text gives None.
        """
        if text is None or not str(text).strip():
            return None
        text = str(text).strip()
        day_match = _DAY_RE.match(text)
        iso_match = _ISO_RE.match(text)
        if day_match and self.day1 is not None:
            day = self.day1 + timedelta(days=int(day_match.group(1)) - 1)
            parts = day_match.groups()[1:]
        elif iso_match:
            try:
                day = date.fromisoformat(iso_match.group(1))
            except ValueError as exc:
                raise TimeInputError(f"{text!r}: {exc}") from None
            parts = iso_match.groups()[1:]
        else:
            forms = "YYYY-MM-DD, YYYY-MM-DD HH:MM" + (", DAYn, DAYn HH:MM" if self.day1 else "")
            raise TimeInputError(f"cannot read the time {text!r}; use {forms}")
        if parts[0] is None:
            moment = datetime.combine(day, time(0), self.zone)
            return moment + timedelta(days=1) if end_of_day else moment
        try:
            clock = time(int(parts[0]), int(parts[1] or 0), int(parts[2] or 0))
        except ValueError as exc:
            raise TimeInputError(f"{text!r}: {exc}") from None
        return datetime.combine(day, clock, self.zone)

    def day_start(self, day: date) -> datetime:
        return datetime.combine(day, time(0), self.zone)
