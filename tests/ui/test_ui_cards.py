"""Evidence cards, times and the serving guard, without a server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from egobutler.egorag.records import Evidence, EvidenceLine
from egobutler.ui.cards import cards_html, evidence_card, media_file, player_html
from egobutler.ui.errors import UiError
from egobutler.ui.launch import auth_check, check_bind, is_loopback
from egobutler.ui.timefmt import Clock, TimeInputError

START = datetime(2025, 1, 3, 14, 5, 10, tzinfo=UTC)
HOSTILE = "Look: <script>alert('x')</script> <img src=x onerror=alert(1)> & \"quotes\""


def _evidence(media: Path, **overrides) -> Evidence:
    fields = dict(
        clip_id="c1", wearer_id="jake", start=START, end=START + timedelta(seconds=30), score=0.5,
        lines=(EvidenceLine(START + timedelta(seconds=2), "utterance", HOSTILE, speaker="<b>Eve</b>"),),
        thumbnail_path="thumbs/a.jpg", video_path="video/a.mp4", video_offset_s=12.5,
    )
    fields.update(overrides)
    return Evidence(**fields)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    (root / "thumbs").mkdir(parents=True)
    (root / "video").mkdir()
    (root / "thumbs" / "a.jpg").write_bytes(b"jpg")
    (root / "video" / "a.mp4").write_bytes(b"mp4")
    (tmp_path / "secret.txt").write_text("secret")
    return root


def test_memory_text_in_a_card_is_escaped_not_markup(media: Path) -> None:
    html = cards_html([evidence_card(_evidence(media), Clock("UTC"), media)])
    assert "<script" not in html and "<img src=x" not in html and "<b>Eve" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;" in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html


def test_card_shows_wearer_day_time_speakers_and_thumbnail(media: Path) -> None:
    card = evidence_card(_evidence(media), Clock("UTC", date(2025, 1, 1)), media)
    assert card.title == "DAY3 (Fri 2025-01-03) 14:05:10–14:05:40"
    assert "wearer jake" in card.subtitle and "<b>Eve</b>" in card.subtitle
    assert card.lines[0].time == "14:05:12" and card.lines[0].speaker == "<b>Eve</b>"
    assert card.thumbnail_url == "gradio_api/file=" + str((media / "thumbs" / "a.jpg").resolve())


def test_card_times_are_shown_in_the_wearers_zone(media: Path) -> None:
    card = evidence_card(_evidence(media), Clock("Asia/Shanghai"), media)
    assert card.title.endswith("22:05:10–22:05:40")


def test_media_outside_the_media_dir_gets_no_url(media: Path) -> None:
    assert media_file(media, "thumbs/a.jpg") == (media / "thumbs" / "a.jpg").resolve()
    assert media_file(media, "../secret.txt") is None
    assert media_file(media, str(media.parent / "secret.txt")) is None
    assert media_file(media, "/etc/passwd") is None
    assert media_file(media, "thumbs/missing.jpg") is None
    card = evidence_card(_evidence(media, thumbnail_path="../secret.txt"), Clock(), media)
    assert card.thumbnail_url is None and "secret" not in cards_html([card])


def test_player_seeks_to_the_clip_with_a_media_fragment(media: Path) -> None:
    html = player_html(media / "video" / "a.mp4", 12.5, 42.5, "jake <at> noon")
    assert "#t=12.50,42.50" in html and "<video" in html
    assert "jake &lt;at&gt; noon" in html
    assert "no video" in player_html(None, 0, 0, "x")


def test_dates_typed_in_filters_are_read_in_the_zone() -> None:
    clock = Clock("UTC", date(2025, 1, 1))
    assert clock.parse("DAY3 14:05") == datetime(2025, 1, 3, 14, 5, tzinfo=UTC)
    assert clock.parse("2025-01-03") == datetime(2025, 1, 3, tzinfo=UTC)
    assert clock.parse("2025-01-03", end_of_day=True) == datetime(2025, 1, 4, tzinfo=UTC)
    assert clock.parse("  ") is None
    with pytest.raises(TimeInputError, match="YYYY-MM-DD"):
        clock.parse("next tuesday")


def test_non_loopback_needs_a_password() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")
    assert check_bind("127.0.0.1") is None
    with pytest.raises(UiError, match="without a password"):
        check_bind("0.0.0.0")
    password, token = "pw1-Correct-Horse-9", "tok-Battery-Staple-42"  # strong enough (16+ characters)
    check = check_bind("0.0.0.0", [f"ann:{password}"], token)
    assert check("ann", password) and check("anyone", token)
    assert not check("ann", "wrong") and not check("bob", password)
    with pytest.raises(UiError, match="user:password"):
        auth_check(["no-colon"], None)
