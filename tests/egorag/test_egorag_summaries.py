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


def test_the_reader_rewrites_summaries_resumably_and_the_extractive_pass_keeps_them(small_store):
    from egobutler.egorag.llm import ScriptedLLM

    assert build_summaries(small_store, timezone=TZ, index=False) > 0  # after import: extractive, at once
    windows = len(small_store.summaries())

    class Interrupted(BaseException):  # like KeyboardInterrupt: not caught per window
        pass

    calls = []

    def reply(messages):
        calls.append(messages)
        if len(calls) == 3:
            raise Interrupted  # e.g. Ctrl-C in the middle of `summarize`
        return f"You spent this window with Katrina ({len(calls)})."

    reader = ScriptedLLM(reply, model_id="reader")
    try:
        build_summaries(small_store, timezone=TZ, index=False, llm=reader)
    except Interrupted:
        pass
    by_reader = [s for s in small_store.summaries() if s.model_id.startswith("llm:reader#")]
    assert len(by_reader) == 2  # the two windows written before the interruption are kept

    resumed = build_summaries(small_store, timezone=TZ, index=False, llm=ScriptedLLM(["You met Katrina."], model_id="reader"))
    assert resumed == windows - 2  # only what was left
    assert all(s.model_id.startswith("llm:reader#") for s in small_store.summaries())
    # The memory text reaches the reader only inside the evidence block.
    prompt = calls[0][-1].content
    assert prompt.startswith("<evidence>") and "</evidence>\nSummary of this" in prompt

    assert build_summaries(small_store, timezone=TZ, index=False) == 0  # the extractive pass keeps the reader's


def test_a_window_the_reader_fails_on_stays_extractive_and_is_retried(small_store):
    from egobutler.egorag.llm import ScriptedLLM

    def broken(messages):
        raise RuntimeError("llama.cpp ran out of context")

    build_summaries(small_store, timezone=TZ, index=False, llm=ScriptedLLM(broken, model_id="reader"))
    assert all(s.model_id.startswith("extractive-v2#") and s.text for s in small_store.summaries())
    assert build_summaries(small_store, timezone=TZ, index=False, llm=ScriptedLLM(["You met Katrina."], model_id="reader")) \
        == len(small_store.summaries())
