"""Hierarchical summaries: built per 10 minutes, hour and day, and rebuilt only where clips arrived."""

import shutil
from datetime import date
from zoneinfo import ZoneInfo

from egobutler.egorag.summaries import build_summaries
from egobutler.ingest.egolife import import_egolife

TZ = "Asia/Shanghai"


def test_summaries_are_rebuilt_only_where_new_clips_arrived(empty_store, egolife_data, tmp_path):
    folder = tmp_path / "sync"
    folder.mkdir()
    shutil.copy(egolife_data / "json" / "A1_JAKE_DAY1_11000000.json", folder)
    import_egolife(empty_store, folder, day1=date(2025, 1, 1), timezone=TZ, index=False)
    assert build_summaries(empty_store, timezone=TZ, index=False) == 3  # 11:00-11:10, 11:00-12:00, day 1
    day1 = {(s.level, s.start): (s.text, s.model_id) for s in empty_store.summaries()}
    assert any("screwdriver" in text for text, _ in day1.values())

    assert build_summaries(empty_store, timezone=TZ, index=False) == 0  # nothing changed, nothing rebuilt

    shutil.copy(egolife_data / "json" / "A1_JAKE_DAY2_14000000.json", folder)
    import_egolife(empty_store, folder, day1=date(2025, 1, 1), timezone=TZ, index=False)
    assert build_summaries(empty_store, timezone=TZ, index=False) == 3  # only day 2's windows
    after = {(s.level, s.start): (s.text, s.model_id) for s in empty_store.summaries()}
    assert len(after) == 6
    assert all(after[key] == value for key, value in day1.items())  # day 1 untouched
    day2 = [text for (level, start), (text, _) in after.items() if level == "day" and start.astimezone(ZoneInfo(TZ)).day == 2]
    assert day2 and "JJ Lin" in day2[0]
