"""Relative time expressions narrow the search window, always before the query time."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from egobutler.egorag.timeparse import parse_window

TZ = "Asia/Shanghai"
NOW = datetime(2025, 1, 3, 15, 30, tzinfo=ZoneInfo(TZ))  # a Friday afternoon


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 1, day, hour, minute, tzinfo=ZoneInfo(TZ))


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("what did Alice say yesterday afternoon?", local(2, 12), local(2, 18)),
        ("what did I eat yesterday", local(2, 0), local(3, 0)),
        ("where was I this morning?", local(3, 5), local(3, 12)),
        ("who did I sit next to last night?", local(2, 18), local(3, 4)),
        ("what did we buy today", local(3, 0), NOW),
        ("what happened the day before yesterday", local(1, 0), local(2, 0)),
        ("the afternoon before yesterday", local(1, 12), local(1, 18)),
        ("who was in the yard at noon", local(3, 11), local(3, 14)),
        ("what did I do at 9:15", local(3, 9, 0), local(3, 9, 30)),
        ("what did I do at 4 pm", local(2, 15, 45), local(2, 16, 15)),  # 4 pm today is still to come
        ("what happened on Tuesday", datetime(2024, 12, 31, tzinfo=ZoneInfo(TZ)), local(1, 0)),
        ("what happened on day 2", local(2, 0), local(3, 0)),
    ],
)
def test_expressions_map_to_windows(text, start, end):
    window = parse_window(text, NOW, timezone=TZ, day1=date(2025, 1, 1))
    assert window is not None, text
    assert (window.start, window.end) == (start, end)


def test_hours_ago_is_a_tolerant_window_around_the_moment():
    window = parse_window("About four hours ago", NOW, timezone=TZ)
    centre = NOW - timedelta(hours=4)
    assert window.start < centre < window.end
    assert window.end - window.start == timedelta(hours=2)  # +-25 % of four hours
    half = parse_window("About an hour and a half ago", NOW, timezone=TZ)
    assert half.start < NOW - timedelta(minutes=90) < half.end


def test_half_a_day_and_word_numbers():
    window = parse_window("Half a day ago", NOW, timezone=TZ)
    assert window.start < NOW - timedelta(hours=12) < window.end
    window = parse_window("About twenty minutes ago", NOW, timezone=TZ)
    assert window.start < NOW - timedelta(minutes=20) < window.end <= NOW


def test_just_now_is_the_last_half_hour():
    window = parse_window("Who just helped Katrina?", NOW, timezone=TZ)
    assert (window.start, window.end) == (NOW - timedelta(minutes=30), NOW)


def test_last_time_prefers_recent_without_narrowing():
    window = parse_window("Who used the whisk last time?", NOW, timezone=TZ)
    assert window.start is None and window.end == NOW and window.recent


def test_no_time_words_gives_none_and_windows_never_pass_now():
    assert parse_window("Who likes durian?", NOW, timezone=TZ) is None
    tonight = parse_window("what task does Tasha have tonight", NOW, timezone=TZ)
    assert tonight.end <= NOW


def test_day_numbers_need_the_first_day():
    assert parse_window("on day 2", NOW, timezone=TZ) is None


# Time as people say it (issue 15): each expression with the window it must search.
# NOW is Friday 2025-01-03 15:30 in Beijing; the recording's first day is Wednesday 2025-01-01.
@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Who helped me assemble the shelf on the first day?", local(1, 0), local(2, 0)),
        ("what did we cook on the second day", local(2, 0), local(3, 0)),
        ("what did I do on the third day in the morning", local(3, 5), local(3, 12)),
        ("what happened the day before yesterday", local(1, 0), local(2, 0)),
        ("where did we go last weekend", datetime(2024, 12, 28, tzinfo=ZoneInfo(TZ)), datetime(2024, 12, 30, tzinfo=ZoneInfo(TZ))),
        ("where was I this morning before lunch", local(3, 5), local(3, 12)),
        ("what did I eat yesterday before lunch", local(2, 0), local(2, 12)),
        ("what did we watch yesterday after dinner", local(2, 20), local(3, 0)),
        ("what did I do before lunch", local(3, 5), local(3, 12)),
        ("who phoned two hours ago", local(3, 13, 0), local(3, 14, 0)),
    ],
)
def test_time_as_people_say_it(text, start, end):
    window = parse_window(text, NOW, timezone=TZ, day1=date(2025, 1, 1))
    assert window is not None, text
    assert (window.start, window.end) == (start, end), window.label


def test_weekend_seen_from_the_weekend_and_the_first_word_is_not_a_day():
    saturday = datetime(2025, 1, 4, 10, 0, tzinfo=ZoneInfo(TZ))
    last = parse_window("what did I do last weekend", saturday, timezone=TZ)
    assert (last.start, last.end) == (datetime(2024, 12, 28, tzinfo=ZoneInfo(TZ)), datetime(2024, 12, 30, tzinfo=ZoneInfo(TZ)))
    this = parse_window("what did I do this weekend", saturday, timezone=TZ)
    assert (this.start, this.end) == (local(4, 0), saturday)
    assert parse_window("Who was the first to write on the whiteboard?", NOW, timezone=TZ, day1=date(2025, 1, 1)) is None
    last_time = parse_window("the last time I saw my keys, where were they?", NOW, timezone=TZ)
    assert last_time.start is None and last_time.recent
