"""EgoLifeQA bench: honest inputs, resumable runs, the report's figures, clear errors."""

import dataclasses
import json
from datetime import date

import pytest

from egobutler.egorag import bench
from egobutler.egorag.egolifeqa import BenchQuestion, DayClock, QuestionFileError, load_gold, load_questions
from egobutler.egorag.engine import Engine

TZ = "Asia/Shanghai"
CLOCK = DayClock(date(2025, 1, 1), TZ)


@pytest.fixture
def engine(small_store):
    return Engine(small_store, None, timezone=TZ, day1=date(2025, 1, 1))


@pytest.fixture
def questions_file(egolife_data):
    return egolife_data / "questions.json"


def test_inference_records_cannot_carry_labels():
    fields = {f.name for f in dataclasses.fields(BenchQuestion)}
    assert fields.isdisjoint({"answer", "keywords", "reason", "target_time", "trigger", "targets"})


def test_predictions_do_not_depend_on_labels(engine, questions_file, tmp_path):
    records = json.loads(questions_file.read_text())
    scrambled = []
    for i, r in enumerate(records):
        r = dict(r, answer="ABCD"[(i + 2) % 4], keywords="durian piano", reason="Shure did it",
                 target_time={"date": "DAY7", "time": "23595900"}, trigger="nothing")
        scrambled.append(r)
    stripped = [{k: v for k, v in r.items() if k not in ("answer", "keywords", "reason", "target_time")} for r in records]
    outputs = []
    for name, recs in (("orig", records), ("scrambled", scrambled), ("stripped", stripped)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(recs))
        for answerer in (bench.engine_answerer(engine), bench.keyword_answerer(engine)):
            out = tmp_path / f"out-{name}-{id(answerer)}"
            rows = bench.run_bench(load_questions(path, CLOCK), answerer, out)
            outputs.append((name, [(r["pred"], r["evidence"]) for r in rows]))
    orig = [o for n, o in outputs if n == "orig"]
    for name, o in outputs:
        assert o in orig, f"{name} changed predictions or evidence"


def test_report_scores_answers_and_recall(engine, questions_file, tmp_path):
    qs = load_questions(questions_file, CLOCK)
    results = bench.run_bench(qs, bench.engine_answerer(engine), tmp_path)
    report = bench.score(results, load_gold(questions_file, CLOCK), answerer="default", retrieval_only=False)
    bench.write_report(report, tmp_path)
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved["n"] == 4 and saved["accuracy"] >= 0.75
    assert set(saved["retrieval"]["recall_at"]) == {"1", "5", "10", "20"}
    assert saved["retrieval"]["recall_at"]["5"] == 1.0  # every target is among the top clips of this tiny memory
    assert set(saved["per_type"]) == {"EntityLog", "EventRecall", "TaskMaster", "RelationMap"}
    first = saved["questions"][0]["evidence"][0]
    assert first["start"].endswith("+00:00") and first["start"] < first["end"]
    assert "accuracy" in (tmp_path / "report.md").read_text()


def test_retrieval_only_has_no_accuracy(engine, questions_file, tmp_path):
    results = bench.run_bench(load_questions(questions_file, CLOCK), bench.engine_answerer(engine), tmp_path,
                              retrieval_only=True)
    report = bench.score(results, load_gold(questions_file, CLOCK), answerer="default", retrieval_only=True)
    assert report["accuracy"] is None and report["macro_accuracy"] is None
    assert report["retrieval"]["recall_at"]["20"] == 1.0


def test_resume_skips_answered_questions(engine, questions_file, tmp_path):
    qs = load_questions(questions_file, CLOCK)
    calls = []
    answerer = bench.engine_answerer(engine)

    def counting(q, retrieval_only):
        calls.append(q.id)
        return answerer(q, retrieval_only)

    bench.run_bench(qs[:2], counting, tmp_path)
    with (tmp_path / bench.RESULTS_FILE).open("a") as fp:
        fp.write('{"ID": "3", "pred"')  # a crash mid-write leaves a torn line
    rows = bench.run_bench(qs, counting, tmp_path)
    assert calls == ["1", "2", "3", "4"]
    assert [r["ID"] for r in rows] == ["1", "2", "3", "4"]


def test_target_forms_parse(questions_file):
    gold = load_gold(questions_file, CLOCK)
    assert len(gold["1"].targets) == 1 and gold["1"].targets[0][0] == gold["1"].targets[0][1]
    assert gold["2"].targets[0][0] < gold["2"].targets[0][1]  # a range
    assert len(gold["3"].targets) == 2  # a time_list
    assert len(gold["4"].targets) == 3  # a list across days


def test_malformed_file_names_file_and_record(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"ID": "7", "question": "q?", "query_time": {"date": "DAY1"}}]))
    with pytest.raises(QuestionFileError, match=r"bad\.json: record #0 \(ID 7\)"):
        load_questions(path, CLOCK)
    path.write_text("{not json")
    with pytest.raises(QuestionFileError, match="bad.json"):
        load_questions(path, CLOCK)


def test_reader_signals_reach_the_report_with_a_cross_validated_weight(small_store, questions_file, tmp_path):
    from egobutler.egorag.llm import ScriptedLLM

    engine = Engine(small_store, ScriptedLLM(), timezone=TZ, day1=date(2025, 1, 1), llm_weight=0.5)
    qs, gold = bench.load_bench(questions_file, CLOCK)
    rows = bench.run_bench(qs, bench.engine_answerer(engine), tmp_path / "out")
    assert all(set(r["signals"]) >= {"words", "reader"} for r in rows)
    report = bench.score(rows, gold, answerer="default", retrieval_only=False)
    sig = report["signals"]
    assert sig["n"] == len(rows) and 0.0 <= sig["combined_cv"] <= 1.0
    assert sig["combined_in_sample"] >= sig["combined_cv"]  # chosen on all questions: never worse than CV
    assert "cross-validation" in bench.markdown(report)


def test_signal_report_finds_a_reader_that_knows_better():
    gold = {str(i): bench.GoldLabel(str(i), "EntityLog", "B", ()) for i in range(20)}
    # Evidence points at A every time; the reader is confident about B: a weight above 0 must win.
    rows = [{"ID": str(i), "signals": {"words": [3.0, 1.0, 0.0, 0.0], "reader": [-3.0, -0.1, -4.0, -4.0]}}
            for i in range(20)]
    sig = bench.signal_report(rows, gold)
    assert sig["evidence_only"] == 0.0 and sig["reader_only"] == 1.0
    assert sig["combined_cv"] == 1.0 and all(w > 0 for w in sig["cv_chosen_weights"])
