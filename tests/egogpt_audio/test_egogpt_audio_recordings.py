"""Hearing whole recordings through ingestion: clip boundaries, one person per voice across
days, the wearer as "me", merge/split of past utterances, and a kill -9 mid-stage.

Recordings are made in the test from the espeak fixtures (audio-only Matroska files)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from egobutler.egogpt.clip_split import utterances_in_span
from egobutler.egogpt.records import Utterance, Word

DAY1 = "2025-01-03T09:00:00+00:00"
DAY2 = "2025-01-04T19:00:00+00:00"
SILENCE = np.zeros(2 * 16000, np.float32)


def write_recording(path: Path, audio: np.ndarray) -> Path:
    """16 kHz mono float audio as an audio-only .mkv (PCM), the way a phone or Aria export arrives."""
    import av

    pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("pcm_s16le", rate=16000, layout="mono")
        for i in range(0, len(pcm), 16000):
            frame = av.AudioFrame.from_ndarray(pcm[None, i:i + 16000], format="s16", layout="mono")
            frame.rate = 16000
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def hearing_pipeline(store, clip_s: float = 10.0):
    from egobutler.ingest.pipeline import IngestOptions, Pipeline
    from egobutler.ingest.stages import stage_spec

    return Pipeline(store, [stage_spec("asr", backend="faster-whisper", diarizer="onnx")],
                    IngestOptions(clip_s=clip_s, clip_files=False))


def ingest(store, path: Path, start: str, clip_s: float = 10.0):
    from egobutler.ingest.inbox import ingest_path

    report = ingest_path(hearing_pipeline(store, clip_s), path, start=start, default_wearer="me")
    assert report.stages["asr"].get("done", 0) == report.clips, report
    return report


@pytest.fixture(scope="module")
def recordings(tmp_path_factory, speech) -> dict[str, Path]:
    """day1: the three-voice conversation; day2: alice and carol again, the next evening."""
    root = tmp_path_factory.mktemp("recordings")
    day2 = np.concatenate([speech("alice_2"), SILENCE, speech("carol_1"), SILENCE])
    return {"day1": write_recording(root / "day1.mkv", speech("conversation")),
            "day2": write_recording(root / "day2.mkv", day2)}


@pytest.fixture(scope="module")
def two_days_db(tmp_path_factory, recordings) -> Path:
    """day1 and day2 ingested once (10 s clips) into a memory that each test gets a copy of."""
    from egobutler.memory_db.store import MemoryStore

    root = tmp_path_factory.mktemp("two-days")
    store = MemoryStore.open(f"sqlite:///{root / 'memory.db'}", root / "media")
    try:
        ingest(store, recordings["day1"], DAY1)
        ingest(store, recordings["day2"], DAY2)
    finally:
        store.close()
    return root / "memory.db"


@pytest.fixture
def two_days(two_days_db, tmp_path):
    import shutil

    from egobutler.memory_db.store import MemoryStore

    shutil.copy(two_days_db, tmp_path / "memory.db")
    s = MemoryStore.open(f"sqlite:///{tmp_path / 'memory.db'}", tmp_path / "media")
    yield s
    s.close()


def words(text: str) -> list[str]:
    from egobutler.egogpt.guards import words_of

    return words_of(text)


def test_a_straddling_utterance_is_split_at_its_words_and_nothing_is_lost():
    utt = Utterance(8.0, 12.0, "one two three four", "m", words=(
        Word(8.0, 8.9, "one"), Word(9.0, 9.8, "two"), Word(10.1, 11.0, "three"), Word(11.1, 12.0, "four")))
    first, second = utterances_in_span([utt], 0.0, 10.0), utterances_in_span([utt], 10.0, 20.0)
    assert [u.text for u in first] == ["one two"] and [u.text for u in second] == ["three four"]
    assert second[0].start_s == pytest.approx(0.1) and first[0].end_s == pytest.approx(9.8)
    bare = Utterance(8.0, 12.0, "no word times", "m")  # without word times: whole, in both clips
    assert [u.text for u in utterances_in_span([bare], 0.0, 10.0)] == ["no word times"]
    assert [(u.start_s, u.end_s) for u in utterances_in_span([bare], 10.0, 20.0)] == [(0.0, 2.0)]


@pytest.mark.slow
def test_a_sentence_spanning_a_clip_boundary_survives_whole(two_days, spoken):
    # 10 s clips: carol's 9.6-13.0 s sentence of day 1 crosses the 10 s boundary
    lines = [ln for ln in two_days.lines(kinds=["utterance"]) if ln.start.day == 3]
    assert len({ln.clip_id for ln in lines}) >= 3
    heard = words(" ".join(ln.text for ln in sorted(lines, key=lambda ln: ln.start)))
    carol = words(spoken["conversation"]["turns"][2]["text"])  # "No, I moved them to the hook in the hallway."
    found = [w for w in carol if w in heard]
    assert len(found) >= len(carol) - 2, (carol, heard)  # tiny.en may miss a word, never half a sentence
    around = [ln for ln in lines if 9.0 <= (ln.start - lines[0].start).total_seconds() + 0.5 <= 14.0]
    assert len({ln.speaker_id for ln in around if "hallway" in ln.text or "moved" in ln.text}) == 1
    assert all(ln.stats.get("language") == "en" for ln in lines)


@pytest.mark.slow
def test_two_recordings_with_shared_voices_give_one_person_per_voice(two_days):
    store = two_days
    people = store.people(wearer_id="me")
    assert len(people) == 3, people  # alice, bob, carol: not one per clip, not one per day
    lines = store.lines(kinds=["utterance"])
    day2 = [ln for ln in lines if ln.start.day == 4]
    speaker_of = {w: ln.speaker_id for ln in lines for w in ("my keys", "plants", "coffee", "hallway") if w in ln.text}
    assert speaker_of["my keys"] == speaker_of["plants"]  # alice, both days
    assert speaker_of["hallway"] == speaker_of["coffee"]  # carol, both days
    assert len({ln.speaker_id for ln in day2}) == 2
    from egobutler.memory_db.voice_store import exemplars

    per_person = {}
    for x in exemplars(store):
        per_person.setdefault(x.person_id, set()).add(x.source)
    assert len(per_person[speaker_of["my keys"]]) == 2  # the profile grew with the second day's speech


@pytest.mark.slow
def test_enrolling_the_wearer_makes_their_past_utterances_me(recordings, speech, egobutler_home):
    from typer.testing import CliRunner

    from egobutler.app.cli import app
    from egobutler.app.services import open_store
    from egobutler.app.settings import load_settings

    settings = load_settings(home=egobutler_home)
    home_store = open_store(settings, with_index=False)
    try:
        ingest(home_store, recordings["day1"], DAY1)
    finally:
        home_store.close()
    enrol = Path(recordings["day1"]).parent / "bob.mkv"
    write_recording(enrol, np.concatenate([SILENCE, speech("bob_1"), SILENCE]))
    out = CliRunner().invoke(app, ["people", "enroll", "--me", str(enrol), "--start", "1.5", "--home", str(egobutler_home)])
    assert out.exit_code == 0, out.output
    home_store = open_store(settings, with_index=False)
    try:
        me = home_store.find_person("me", wearer_id="me")
        mine = home_store.lines(kinds=["utterance"], speaker_id=me.id)
        names = home_store.speaker_names()
    finally:
        home_store.close()
    assert any("front door" in ln.text for ln in mine), [ln.text for ln in mine]  # bob's line, now "me"
    assert not any("keys this morning" in ln.text for ln in mine)  # alice's stays alice's
    assert names[me.id] == "me"  # transcripts and answers call the wearer "me"


@pytest.mark.slow
def test_merge_and_split_rewrite_past_utterances(two_days):
    from egobutler.memory_db.voice_store import exemplars, split_person

    store = two_days
    lines = store.lines(kinds=["utterance"])
    alice = next(ln.speaker_id for ln in lines if "my keys" in ln.text)
    carol = next(ln.speaker_id for ln in lines if "coffee" in ln.text)
    store.merge_people(alice, carol)  # a wrong merge …
    assert {ln.speaker_id for ln in store.lines(kinds=["utterance"]) if "coffee" in ln.text} == {alice}
    assert store.get_person(carol) is None
    day2_carol = [ln.id for ln in store.lines(kinds=["utterance"], speaker_id=alice)
                  if ln.start.day == 4 and "plants" not in ln.text and "tomatoes" not in ln.text]
    new = split_person(store, alice, day2_carol, "Carol")  # … undone for day 2 by a split
    moved = store.lines(kinds=["utterance"], speaker_id=new.id)
    assert {ln.id for ln in moved} == set(day2_carol) and any("coffee" in ln.text for ln in moved)
    assert all("coffee" not in ln.text for ln in store.lines(kinds=["utterance"], speaker_id=alice))
    assert store.find_person("Carol").id == new.id
    assert len(exemplars(store, person_ids=[alice])) >= 1


@pytest.mark.slow
def test_kill_9_during_the_speech_stage_loses_and_duplicates_nothing(tmp_path, recordings, two_days):
    """A child ingests with 3 s of extra work per clip; it is killed mid-stage, then a second run finishes."""
    db, media = tmp_path / "killed.db", tmp_path / "killed-media"
    script = f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from egobutler.ingest import recording_hearing
from egobutler.memory_db.store import MemoryStore
from test_egogpt_audio_recordings import ingest
slow = recording_hearing._clip_output
def crawl(heard, media):
    time.sleep(float(sys.argv[1]))
    return slow(heard, media)
recording_hearing._clip_output = crawl
store = MemoryStore.open("sqlite:///{db}", {str(media)!r})
print("go", flush=True)
ingest(store, {str(recordings['day1'])!r}, {DAY1!r})
"""
    child = subprocess.Popen([sys.executable, "-c", script, "3"], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[2])
    assert child.stdout.readline().strip() == "go"
    from egobutler.memory_db.store import MemoryStore

    deadline = time.time() + 240
    while time.time() < deadline:  # wait until some clips are written, then kill -9 mid-stage
        time.sleep(0.5)
        store = MemoryStore.open(f"sqlite:///{db}", media)
        done = [e for e in store.ledger_entries(stage="asr") if e.status == "done"]
        store.close()
        if done:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    store = MemoryStore.open(f"sqlite:///{db}", media)
    try:
        partial = len(store.lines(kinds=["utterance"]))
        assert 0 < len([e for e in store.ledger_entries(stage="asr") if e.status == "done"]) < 3
        ingest(store, recordings["day1"], DAY1)
        lines = store.lines(kinds=["utterance"])
        assert len(lines) > partial
        assert len({(ln.clip_id, ln.start, ln.text) for ln in lines}) == len(lines)  # nothing twice
        people = store.people(wearer_id="me")
        assert len(people) == 3, people  # the re-run found the same voices, made nobody new
    finally:
        store.close()
    uninterrupted = [ln.text for ln in two_days.lines(kinds=["utterance"]) if ln.start.day == 3]
    assert sorted(ln.text for ln in lines) == sorted(uninterrupted)  # the same memory as a run never killed
