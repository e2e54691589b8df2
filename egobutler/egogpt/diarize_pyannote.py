"""pyannote.audio diarization pipeline backend (used when a pipeline is configured).

``model`` is a local pipeline dir laid out like the hub repo (``config.yaml`` with
``segmentation/``, ``embedding/`` and ``plda/`` beside it), or a hub id such as
``pyannote/speaker-diarization-community-1`` fetched on a user's machine with an HF token
(the repo is gated: accept its terms on the hub first). Turns carry the pipeline's
per-speaker centroid as the embedding, so ``embedding_model_id`` names that pipeline.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE
from .diarize import Diarizer, merge_turns
from .errors import BackendUnavailable, InvalidAudio
from .records import SpeakerTurn

log = logging.getLogger(__name__)

DEFAULT_PIPELINE = "pyannote/speaker-diarization-community-1"


class PyannoteDiarizer(Diarizer):
    name = "pyannote"

    def __init__(self, model: str | None = None, *, models_dir: Path | None = None, hf_token: str | None = None,
                 device: str = "cpu"):
        self.source = model or DEFAULT_PIPELINE
        self.models_dir = models_dir
        self.hf_token = hf_token
        self.device = device
        label = Path(self.source).name if Path(self.source).exists() else self.source
        self.model_id = f"pyannote:{label}"
        self.embedding_model_id = self.model_id  # centroids live in this pipeline's embedding space
        self._pipeline = None

    def load(self) -> None:
        if self._pipeline is not None:
            return
        try:
            import torch
            from pyannote.audio import Pipeline
        except ImportError as exc:
            raise BackendUnavailable("the pyannote diarizer needs: pip install pyannote.audio") from exc
        local = Path(self.source).expanduser()
        if not local.exists() and not self.hf_token:
            raise BackendUnavailable(
                f"pyannote pipeline {self.source!r} is not a local dir and no HF token is set: accept the model's "
                "terms on huggingface.co and set the token, give a local pipeline dir, or use diarizer=pyannote-onnx")
        cache = str(Path(self.models_dir) / "pyannote") if self.models_dir else None
        try:
            pipeline = Pipeline.from_pretrained(str(local) if local.exists() else self.source,
                                                token=self.hf_token, cache_dir=cache)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BackendUnavailable(f"cannot load pyannote pipeline {self.source!r}: {exc}") from exc
        if pipeline is None:
            raise BackendUnavailable(f"pyannote pipeline {self.source!r} was not found (or the token cannot read it)")
        self._pipeline = pipeline.to(torch.device(self.device))

    def close(self) -> None:
        self._pipeline = None

    def diarize(self, audio_16k: np.ndarray, *, num_speakers: int | None = None) -> list[SpeakerTurn]:
        if audio_16k.ndim != 1:
            raise InvalidAudio("diarize takes 16 kHz mono audio; convert with egogpt.audio.to_mono_16k")
        if len(audio_16k) < SAMPLE_RATE // 2:
            return []
        self.load()
        import torch

        # In-memory waveform: pyannote would otherwise need a system ffmpeg to read a file.
        waveform = torch.from_numpy(np.ascontiguousarray(audio_16k, dtype=np.float32))[None]
        out = self._pipeline({"waveform": waveform, "sample_rate": SAMPLE_RATE}, num_speakers=num_speakers)
        annotation = getattr(out, "speaker_diarization", out)
        labels = annotation.labels()
        centroids = getattr(out, "speaker_embeddings", None)
        vectors = {}
        if centroids is not None and len(centroids) == len(labels):
            for label, vec in zip(labels, np.asarray(centroids, dtype=np.float64)):
                norm = np.linalg.norm(vec)
                if np.isfinite(norm) and norm > 0:
                    vectors[label] = tuple(float(x) for x in vec / norm)
        turns = [SpeakerTurn(round(seg.start, 3), round(seg.end, 3), str(label), vectors.get(label, ()))
                 for seg, _, label in annotation.itertracks(yield_label=True)]
        return merge_turns(turns, max_gap_s=0.0)
