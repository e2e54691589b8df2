"""Hear a whole recording once, then hand each clip its part.

The speech stage is not a per-clip function: VAD, ASR and diarization run over the whole
recording (so a sentence is never cut at a clip boundary and a voice is one speaker for
the whole recording), voices are matched to people once per recording, and each clip then
gets the utterances that fall in it (`egobutler.egogpt.clip_split.utterances_in_span`).

`WholeRecordingRunner` plugs this into the pipeline in place of the per-clip runner for
the speech stage. It runs on the driver (it reads and writes voice profiles); the result
is kept for the current recording only, so every batch of its clips reuses it. Clips are
still written and ledgered one by one, so a crash re-hears the recording (the same audio
gives the same voices and ids) and writes only the clips not yet done.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from egobutler.ingest.errors import StageInputMissing
from egobutler.ingest.media import AUDIO_RATE, ClipMedia, decode_audio
from egobutler.ingest.stages import Draft, StageOutput

log = logging.getLogger(__name__)

MIN_AUDIO_S = 0.5


@dataclass(frozen=True)
class HeardRecording:
    """A recording's speech: utterances on the recording clock with person ids as speakers."""

    recording_id: str
    utterances: tuple
    language: str | None
    model_id: str
    error: BaseException | None = None


class WholeRecordingRunner:
    """Runs the speech stage for the clips of ``source``: hear once, then split by clip."""

    def __init__(self, stage, source, store):
        self.stage = stage
        self.source = source
        self.store = store

    def run(self, stage, medias: list[ClipMedia], stop: threading.Event,
            started: Callable[[ClipMedia], None]) -> Iterator[tuple[ClipMedia, StageOutput | BaseException]]:
        heard = self._heard()
        for media in medias:
            if stop.is_set():
                return
            started(media)
            yield media, (heard.error if heard.error is not None else _clip_output(heard, media))

    def _heard(self) -> HeardRecording:
        cached = getattr(self.stage, "_heard_recording", None)
        if cached is not None and cached.recording_id == self.source.recording_id:
            return cached
        try:
            heard = hear_recording(self.stage, self.source, self.store)
        except Exception as exc:  # every clip of the recording is marked failed with this error
            log.warning("hearing %s failed: %s", self.source.path, exc)
            heard = HeardRecording(self.source.recording_id, (), None, self.stage.model_id, exc)
        self.stage._heard_recording = heard
        return heard


def hear_recording(stage, source, store) -> HeardRecording:
    """VAD → ASR → diarization over the recording's audio; voices resolved to people, suggestions stored."""
    from egobutler.egogpt.addressing import addressed_names
    from egobutler.egogpt.hearing import hear
    from egobutler.ingest.recording_voices import resolve_recording_voices, suggest_names, suggest_wearer

    problems: list[str] = []
    audio = decode_audio(source.video_path, 0.0, source.duration_s, problems)
    if audio is None:
        return HeardRecording(source.recording_id, (), None, stage.model_id,
                              StageInputMissing(f"{source.path}: no audio track"))
    if len(audio) < MIN_AUDIO_S * AUDIO_RATE:
        return HeardRecording(source.recording_id, (), None, stage.model_id,
                              StageInputMissing(f"{source.path}: only {len(audio) / AUDIO_RATE:.1f} s of audio"))
    stage.load()
    try:
        heard = hear(audio, asr=stage.asr, diarizer=stage.diarizer, vad=stage.vad)
    finally:
        stage.close()
    utterances = heard.utterances
    if heard.speakers:
        model_id = stage.diarizer.embedding_model_id
        people = resolve_recording_voices(store, wearer_id=source.wearer_id, recording_id=source.recording_id,
                                          model_id=model_id, speakers=heard.speakers)
        by_id = {s.id: people[s.diarization_label] for s in heard.speakers}
        utterances = tuple(_with_speaker(u, by_id.get(u.speaker, u.speaker)) for u in utterances)
        suggest_names(store, source.wearer_id, addressed_names(utterances), {},
                      lambda t: source.start + timedelta(seconds=t))
        suggest_wearer(store, source.wearer_id, model_id, source.start)
    log.info("heard %s: %d utterances, language %s", source.path, len(utterances), heard.language)
    return HeardRecording(source.recording_id, tuple(utterances), heard.language, stage.model_id)


def _with_speaker(utt, speaker):
    from dataclasses import replace

    return replace(utt, speaker=speaker)


def _clip_output(heard: HeardRecording, media: ClipMedia) -> StageOutput:
    from egobutler.egogpt.clip_split import utterances_in_span

    stats = {"language": heard.language} if heard.language else {}
    mine = utterances_in_span(heard.utterances, media.offset_s, media.offset_s + media.duration_s)
    drafts = tuple(Draft(u.start_s, u.end_s, u.text.strip(), speaker=u.speaker, confidence=u.confidence,
                         flags=tuple(u.flags), stats=dict(stats)) for u in mine if u.text.strip())
    return StageOutput(drafts, heard.model_id)
