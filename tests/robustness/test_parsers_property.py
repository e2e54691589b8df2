"""Property-based robustness of every parser that reads a user's files.

For each parser, hypothesis generates inputs (mostly near-valid ones: right layout, wrong
values) and the property is the same: the parser either returns a valid result or raises
the package's own error with a one-line message; never another exception (a traceback for
the user), never a hang (each case runs under a time limit), and never a change to what the
memory already holds. ``EGOBUTLER_TEST_ROBUSTNESS_EXAMPLES`` sets the examples per parser
(1,000 by default; CI's slow run uses more).
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import signal
import string
import warnings
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

EXAMPLES = int(os.environ.get("EGOBUTLER_TEST_ROBUSTNESS_EXAMPLES", "1000"))
CASE_LIMIT_S = 10.0  # one generated input; a parser that loops forever fails here
PROFILE = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                          HealthCheck.data_too_large, HealthCheck.large_base_example])


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: float = CASE_LIMIT_S):
    """Raise `Hang` if the block runs longer than ``seconds`` (SIGALRM; main thread only)."""
    def expire(_signum, _frame):
        raise Hang(f"a parser ran longer than {seconds} s on one input")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """One folder per parser; each generated input overwrites the last (no folder per example)."""
    return tmp_path_factory.mktemp("robustness")


def _file(work: Path, folder: str, name: str) -> Path:
    (work / folder).mkdir(exist_ok=True)
    return work / folder / name


def one_line(exc: BaseException) -> None:
    text = str(exc)
    assert text and len(text.splitlines()) == 1, f"not a one-line message: {text!r}"


# ----------------------------------------------------------------------------- shared strategies
numbers = st.one_of(
    st.integers(-10**30, 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "nan", "NULL", "inf", "-inf", "1e26", "-1e26", "0x10", "1_000", " 3 ", "1e308", "--1"]),
    st.text(alphabet=string.printable, max_size=6),
)
# A fixed pool of wrong JSON values is as good at finding type confusion as a recursive
# strategy, and ten times cheaper to draw.
json_values = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 10**20, 1e300, -0.5, "", " ", "x" * 300, "DAY1", "\u0000",
                     [], [None], ["a", 1], {}, {"a": None}, {"date": 5}, [[[]]], {"data": "oops"}]),
    st.text(max_size=12),
)


def maybe(value, other=json_values):
    """The valid ``value`` most of the time, anything else sometimes."""
    return st.one_of(st.just(value), st.just(value), other)


# ----------------------------------------------------------------------------- IMU CSV (three layouts)
IMU_LAYOUTS = {
    "aria": "timestamp_ns,accel_x_mps2,accel_y_mps2,accel_z_mps2,gyro_x_radps,gyro_y_radps,gyro_z_radps",
    "euroc": "#timestamp [ns],w_RS_S_x [rad s^-1],w_RS_S_y [rad s^-1],w_RS_S_z [rad s^-1],"
             "a_RS_S_x [m s^-2],a_RS_S_y [m s^-2],a_RS_S_z [m s^-2]",
    "ego4d": "component_idx,component_timestamp_ms,canonical_timestamp_ms,gyro_x,gyro_y,gyro_z,accl_x,accl_y,accl_z",
}


@st.composite
def imu_csv(draw) -> str:
    """A file of one of the three layouts: plausible samples from a seeded generator, then a few
    cells, rows or the header broken by hypothesis."""
    layout = draw(st.sampled_from(sorted(IMU_LAYOUTS)))
    header = IMU_LAYOUTS[layout]
    columns = header.count(",") + 1
    n = draw(st.integers(0, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    step_ns = draw(st.sampled_from([1, 10**6, 10**7, 10**9, 10**12]))
    times = draw(st.integers(0, 10**18)) + np.cumsum(rng.integers(-1, 4, n) * step_ns)
    table = [[str(int(t))] + [f"{v:.4f}" for v in rng.normal(0, 10, columns - 1)] for t in times]
    if layout == "ego4d":
        for row, t in zip(table, times):
            row[2] = str(int(t) // 10**6)
    for row_i, col_i, bad in draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 20), numbers), max_size=4)):
        if table:
            row = table[row_i % len(table)]
            row[col_i % len(row)] = bad
    for row_i, keep in draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 9)), max_size=2)):
        if table:
            table[row_i % len(table)] = table[row_i % len(table)][:keep]
    if draw(st.integers(0, 10)) == 0:
        header = draw(st.text(max_size=40))
    return "\n".join([header, *(",".join(r) for r in table)]) + draw(st.sampled_from(["\n", "", "\n\n"]))


@PROFILE
@given(text=imu_csv())
def test_imu_csv_reader(work, text: str) -> None:
    from egobutler.motion.errors import MotionError
    from egobutler.motion.imu import MAX_SPAN_S, read_imu

    path = _file(work, "imu", "imu.csv")
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        with time_limit(), warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # numpy overflow/invalid warnings would reach stderr
            series = read_imu(path)
    except MotionError as exc:
        one_line(exc)
        return
    assert len(series) > 0 and np.isfinite(series.accel).all() and np.isfinite(series.gyro).all()
    assert np.all(np.diff(series.t_s) > 0) and series.duration_s <= MAX_SPAN_S


# ----------------------------------------------------------------------------- meta.json
@st.composite
def meta_json(draw) -> bytes:
    record = {
        "wearer": draw(maybe("me", st.text(max_size=70) | json_values)),
        "start_utc": draw(maybe("2025-01-01T10:29:45+00:00", st.text(max_size=30) | json_values
                                | st.datetimes().map(lambda d: d.isoformat()))),
        "timezone": draw(maybe("UTC", st.text(max_size=40) | st.sampled_from(["Europe/Berlin", "../../etc", ""]))),
    }
    for key in draw(st.lists(st.sampled_from(sorted(record)), max_size=2)):
        record.pop(key, None)
    raw = json.dumps(draw(st.one_of(st.just(record), st.just(record), json_values)))
    if draw(st.integers(0, 8)) == 0:
        return draw(st.binary(max_size=60))
    return raw.encode()


@PROFILE
@given(raw=meta_json())
def test_meta_json_reader(work, sample, raw: bytes) -> None:
    from egobutler.ingest.errors import IngestError
    from egobutler.ingest.sources import open_source

    folder = _file(work, "rec", "meta.json").parent
    if not (folder / "imu.csv").exists():  # 3 s of the sample's IMU: the recording the meta.json describes
        (folder / "imu.csv").write_text("\n".join((sample / "imu.csv").read_text().splitlines()[:300]) + "\n")
    (folder / "meta.json").write_bytes(raw)
    try:
        with time_limit():
            source = open_source(folder)
    except IngestError as exc:
        one_line(exc)
        return
    assert source.start.tzinfo is not None and 0 <= source.duration_s <= 48 * 3600
    assert source.wearer_id and "/" not in source.wearer_id and ".." not in source.wearer_id


# ----------------------------------------------------------------------------- EgoLife JSON and SRT
@st.composite
def egolife_json(draw) -> bytes:
    def item():
        return st.fixed_dictionaries({
            "start": maybe(110942, numbers | json_values), "end": maybe(110950, numbers | json_values),
            "text": maybe("Jake: hello there", json_values), "type": maybe("transcript", st.sampled_from(["caption", 3])),
        })

    day = draw(st.one_of(st.integers(1, 7), st.integers(0, 10**12)))
    clip = st.fixed_dictionaries({
        "video_file": maybe(f"DAY{day}_A1_JAKE_{draw(st.integers(0, 99999999)):08d}.mp4", json_values),
        "data": st.one_of(st.lists(item(), max_size=4), json_values),
    })
    document = draw(st.one_of(st.lists(clip, max_size=4), json_values))
    if draw(st.integers(0, 10)) == 0:
        return draw(st.binary(max_size=80))
    if draw(st.integers(0, 30)) == 0:
        depth = draw(st.integers(500, 50_000))
        return ("[" * depth + "]" * depth).encode()
    return json.dumps(document).encode()


@PROFILE
@given(raw=egolife_json())
def test_egolife_json_reader(work, raw: bytes) -> None:
    from egobutler.ingest.egolife import EgoLifeClock, EgoLifeFormatError, read_json_file

    path = _file(work, "egolife", "A1_JAKE_DAY1_11000000.json")
    path.write_bytes(raw)
    try:
        with time_limit():
            clips = read_json_file(path, EgoLifeClock(date(2025, 1, 1)))
    except EgoLifeFormatError as exc:
        one_line(exc)
        return
    for clip in clips:
        assert clip.start.tzinfo is not None and all(ln.end >= ln.start for ln in clip.lines)


@st.composite
def srt_text(draw) -> str:
    blocks = []
    for n in range(draw(st.integers(0, 6))):
        h1, m1, s1 = draw(st.integers(0, 120)), draw(st.integers(0, 99)), draw(st.integers(0, 99))
        stamp = f"{h1:02d}:{m1:02d}:{s1:02d},{draw(st.integers(0, 999)):03d}"
        arrow = draw(st.sampled_from([" --> ", "-->", " -> ", " --> "]))
        body = draw(st.text(max_size=30))
        blocks.append(f"{n + 1}\n{stamp}{arrow}{stamp}\n{body}")
    text = "\n\n".join(blocks)
    if draw(st.integers(0, 6)) == 0:
        text = draw(st.text(max_size=200))
    return text


@PROFILE
@given(text=srt_text(), transcript=st.booleans())
def test_egolife_srt_reader(work, text: str, transcript: bool) -> None:
    from egobutler.ingest.egolife import EgoLifeClock, EgoLifeFormatError, read_srt_file

    path = _file(work, "srt", "A1_JAKE_DAY2_13000000.srt")
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        with time_limit():
            lines = read_srt_file(path, EgoLifeClock(date(2025, 1, 1)), "utterance" if transcript else "caption")
    except EgoLifeFormatError as exc:
        one_line(exc)
        return
    assert all(ln.start.tzinfo is not None and ln.end >= ln.start and ln.text for ln in lines)


# ----------------------------------------------------------------------------- EgoLifeQA question files
QA_BAD = {
    "ID": st.sampled_from(["1", "dup", None, 7, True, ""]),
    "query_time": st.one_of(json_values, st.fixed_dictionaries({
        "date": st.sampled_from(["DAY1", "DAY999999999", "day 3", "x", 5]), "time": numbers})),
    "answer": st.sampled_from(["E", "", "a", None, 1, "AB"]),
    "target_time": st.one_of(json_values, st.fixed_dictionaries({
        "date": st.sampled_from(["DAY2", "DAY0", "?"]), "time": numbers,
        "time_list": st.lists(numbers, max_size=2)})),
}


@st.composite
def question_file(draw) -> bytes:
    """A few valid records, then up to four fields replaced by wrong values (or the file itself wrong)."""
    records = [{"ID": str(i), "type": "EntityLog", "question": "Where is the knife?", "choice_a": "a",
                "choice_b": "b", "choice_c": "c", "choice_d": "d", "query_time": {"date": "DAY1", "time": "11000000"},
                "answer": "A", "target_time": {"date": "DAY1", "time": "10000000"}}
               for i in range(draw(st.integers(0, 5)))]
    for index, key in draw(st.lists(st.tuples(st.integers(0, 10), st.sampled_from(sorted(records[0]) if records
                                                                                  else ["ID"])), max_size=4)):
        if records:
            records[index % len(records)][key] = draw(QA_BAD.get(key, json_values))
    choice = draw(st.integers(0, 12))
    if choice == 0:
        return draw(st.binary(max_size=60))
    if choice == 1:
        return json.dumps(draw(json_values)).encode()
    return json.dumps(records).encode()


@PROFILE
@given(raw=question_file())
def test_egolifeqa_question_files(work, raw: bytes) -> None:
    from egobutler.egorag.egolifeqa import DayClock, QuestionFileError, load_gold, load_questions

    path = _file(work, "qa", "questions.json")
    path.write_bytes(raw)
    clock = DayClock(date(2025, 1, 1))
    try:
        with time_limit():
            questions = load_questions(path, clock)
            gold = load_gold(path, clock)
    except QuestionFileError as exc:
        one_line(exc)
        return
    assert len({q.id for q in questions}) == len(questions) == len(gold)
    assert all(len(q.choices) == 4 and all(c.strip() for c in q.choices) and q.question for q in questions)
    assert all(g.answer in ("", "A", "B", "C", "D") for g in gold.values())


# ----------------------------------------------------------------------------- memory JSONL import
@pytest.fixture(scope="module")
def seeded_memory(tmp_path_factory):
    """A SQL-only memory with a day in it, and its export (the base of the generated imports)."""
    from memory_helpers import seed

    from egobutler.memory_db.store import MemoryStore

    root = tmp_path_factory.mktemp("memory")
    store = MemoryStore.open(f"sqlite:///{root / 'memory.db'}", root / "media")
    seed(store, media=True)
    buffer = io.StringIO()
    store.export_jsonl(buffer)
    yield store, [json.loads(x) for x in buffer.getvalue().splitlines()]
    store.close()


def _stored(store) -> dict:
    return {"lines": sorted((x.id, x.text, x.clip_id, x.start, x.speaker_id) for x in store.lines()),
            "clips": sorted((c.id, c.start, c.end, c.thumbnail_path, c.video_path) for c in store.clips()),
            "people": sorted((p.id, p.name, p.kind) for p in store.people()),
            "wearers": sorted((w.id, w.name, w.timezone) for w in store.wearers())}


@st.composite
def memory_jsonl(draw, base: list[dict]) -> str:
    records = [dict(r) for r in base]
    for _ in range(draw(st.integers(0, 4))):
        record = records[draw(st.integers(0, len(records) - 1))]
        key = draw(st.sampled_from(sorted(record) + ["id", "wearer_id", "start", "text", "thumbnail_path"]))
        record[key] = draw(st.one_of(json_values, st.sampled_from(
            ["../../x.jpg", "/etc/passwd", "2025-01-01T09:00:00", "9999-12-31T23:59:59+14:00", "new-id", "me"])))
    lines = [json.dumps(r) for r in records]
    if draw(st.integers(0, 6)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(st.text(max_size=40)))
    return "\n".join(lines)


@PROFILE
@given(data=st.data())
def test_memory_jsonl_import_changes_nothing_already_stored(seeded_memory, data) -> None:
    from egobutler.memory_db.errors import MemoryError_

    store, base = seeded_memory
    before = _stored(store)
    text = data.draw(memory_jsonl(base))
    try:
        with time_limit():
            store.import_jsonl(io.StringIO(text))
    except MemoryError_ as exc:
        one_line(exc)
        assert _stored(store) == before
        return
    after = _stored(store)
    for table, rows in before.items():
        assert set(rows) <= set(after[table]), f"stored {table} changed"
    media = Path(store.media.root).resolve()
    assert all(p is None or (media / p).resolve().is_relative_to(media) for c in store.clips()
               for p in (c.thumbnail_path, c.video_path))


# ----------------------------------------------------------------------------- settings TOML
TOML_KEYS = ["llm", "port", "host", "auth_token", "clip_s", "stages", "timezone", "[llm]", "embedder", "home"]


@st.composite
def settings_toml(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        key = draw(st.sampled_from(TOML_KEYS) | st.text(alphabet=string.ascii_letters + "_-.", min_size=1, max_size=12))
        if key.startswith("["):
            lines.append(key)
            continue
        value = draw(st.one_of(st.integers(-10**20, 10**20).map(str), st.floats(allow_nan=True).map(
            lambda f: "nan" if math.isnan(f) else ("inf" if math.isinf(f) and f > 0 else ("-inf" if math.isinf(f) else repr(f)))),
            st.text(max_size=12).map(json.dumps), st.sampled_from(['["caption", 3]', "{a = 1}", "true", '"x'])))
        lines.append(f"{key} = {value}")
    if draw(st.integers(0, 8)) == 0:
        return draw(st.binary(max_size=60))
    return "\n".join(lines).encode()


@PROFILE
@given(raw=settings_toml())
def test_settings_toml(work, monkeypatch_session, raw: bytes) -> None:
    from egobutler.app.settings import SettingsError, load_settings

    home = _file(work, "home", "egobutler.toml").parent
    (home / "egobutler.toml").write_bytes(raw)
    monkeypatch_session.setenv("EGOBUTLER_HOME", str(home))
    try:
        with time_limit():
            loaded = load_settings()
    except SettingsError as exc:
        one_line(exc)
        return
    assert loaded.home == home


@pytest.fixture(scope="module")
def monkeypatch_session():
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("EGOBUTLER_") and not k.startswith("EGOBUTLER_TEST_")]:
            patch.delenv(key)
        yield patch


def test_the_time_limit_catches_a_hang() -> None:
    with pytest.raises(Hang):
        with time_limit(0.2):
            while True:
                pass

