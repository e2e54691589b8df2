"""The pyannote.audio pipeline backend, exercised with a tiny random pipeline laid out like the hub repo."""

from __future__ import annotations

import re

import pytest

from egobutler.egogpt.diarize import load_diarizer
from egobutler.egogpt.errors import BackendUnavailable
from egobutler.egogpt.hearing import hear


@pytest.mark.slow
def test_a_local_pipeline_dir_loads_and_diarizes_in_memory_audio(tiny_pyannote_pipeline, speech, tiny_en_asr):
    diarizer = load_diarizer("pyannote", str(tiny_pyannote_pipeline))
    assert diarizer.model_id == f"pyannote:{tiny_pyannote_pipeline.name}"
    audio = speech("bob_1")[: 3 * 16000]
    turns = diarizer.diarize(audio)
    # Random weights say nothing true about who speaks, but the turns must be well-formed.
    assert turns and all(re.fullmatch(r"SPEAKER_\d\d", t.speaker) for t in turns)
    assert all(0.0 <= t.start_s < t.end_s <= 3.05 for t in turns)
    result = hear(audio, asr=tiny_en_asr, diarizer=diarizer)
    labels = {s.id for s in result.speakers}
    assert result.utterances and all(u.speaker in labels for u in result.utterances)
    diarizer.close()


def test_a_hub_pipeline_without_a_token_says_what_to_do(tmp_path):
    with pytest.raises(BackendUnavailable, match="token"):
        load_diarizer("pyannote", "pyannote/speaker-diarization-community-1", models_dir=tmp_path).load()
