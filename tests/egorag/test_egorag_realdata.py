"""On the real EgoLife week (skipped where the shared data is absent): import two hours, answer."""

import shutil
from datetime import date

from egobutler.egorag.engine import Engine
from egobutler.egorag.records import Question
from egobutler.ingest.egolife import EgoLifeClock, import_egolife

TZ = "Asia/Shanghai"


def test_two_real_hours_import_and_answer(shared_data, empty_store, tmp_path):
    folder = tmp_path / "sync"
    folder.mkdir()
    for name in ("A1_JAKE_DAY1_11000000.json", "A1_JAKE_DAY1_12000000.json"):
        shutil.copy(shared_data / "egolife" / "A1_JAKE" / "sync" / name, folder / name)
    report = import_egolife(empty_store, folder, day1=date(2025, 1, 1), timezone=TZ, index=False)
    assert report.clips > 150 and report.people >= 6
    engine = Engine(empty_store, None, timezone=TZ, day1=date(2025, 1, 1))
    clock = EgoLifeClock(date(2025, 1, 1), TZ)
    # EgoLifeQA #1 (dev): asked at DAY1 11:21:02; Alice used the screwdriver first.
    now = clock.stamp(1, "11210217")
    answer = engine.ask(Question("Who used the screwdriver first?", now, choices=("Tasha", "Alice", "Shure", "Lucia")))
    assert all(e.start < now for e in answer.evidence)
    assert any("screw" in line.text.lower() for e in answer.evidence[:5] for line in e.lines)
    assert answer.choice in ("A", "B", "C", "D") and answer.text.startswith(answer.choice)
