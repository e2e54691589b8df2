"""The avatar's voice and the reply performance: what is said, and motion timed to it."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from egobutler.motion.avatar import MotionGenerator
from egobutler.motion.speech import MAX_SPOKEN_CHARS, spoken_text

REPLY = "Yes, you left it in the kitchen drawer. Alice put it there on Tuesday afternoon."


@pytest.fixture(scope="module")
def voice():
    pytest.importorskip("hibari")
    from egobutler.motion.speech import HibariVoice

    return HibariVoice().load()


class SpyGenerator(MotionGenerator):
    """Our generator interface around the real retrieval generator, noting every prompt."""

    def __init__(self, inner):
        self.inner, self.prompts = inner, []

    def generate(self, text, seconds, *, level=None):
        self.prompts.append(text)
        return self.inner.generate(text, seconds, level=level)


def test_only_the_shown_prose_is_spoken() -> None:
    shown = "B. The **bakery**\nEvidence: DAY2 10:05 buying bread [1]"
    assert spoken_text(shown) == "B. The bakery"
    assert spoken_text("See [the clip](http://x/y) `now`") == "See the clip now"
    long = " ".join(["This is a sentence."] * 100)
    said = spoken_text(long)
    assert said.endswith(".") and MAX_SPOKEN_CHARS <= len(said) < MAX_SPOKEN_CHARS + 30 and long.startswith(said)


def test_the_voice_speaks_each_sentence_in_order(voice) -> None:
    speech = voice.speak(REPLY)
    assert speech.sample_rate == 24000 and speech.audio.dtype == np.float32
    assert [s.text for s in speech.sentences] == ["Yes, you left it in the kitchen drawer.", "Alice put it there on Tuesday afternoon."]
    first, second = speech.sentences
    assert 0 == first.start_s < first.end_s < second.start_s < second.end_s == pytest.approx(speech.duration_s)
    assert 3.0 < speech.duration_s < 10.0
    assert np.abs(speech.audio).max() > 0.05, "audible, not silence"
    np.testing.assert_array_equal(voice.speak(REPLY).audio, speech.audio)  # the same reply sounds the same


def test_a_voice_that_is_not_on_disk_is_a_clear_error() -> None:
    pytest.importorskip("hibari")
    from egobutler.motion.speech import HibariVoice, VoiceUnavailable

    with pytest.raises(VoiceUnavailable, match="bundled voice 'heart'"):
        HibariVoice("no-such-voice").load()


def test_the_reply_drives_a_gesture_prompt_timed_to_the_speech(voice, hash_encoder) -> None:
    from egobutler.motion.performance import SETTLE_S, perform_reply
    from egobutler.motion.retrieval_motion import RetrievalGenerator

    gen = SpyGenerator(RetrievalGenerator(encoder=hash_encoder))
    perf = perform_reply(REPLY + "\nEvidence: DAY2 14:03", "Did I leave it in the kitchen?", generator=gen, voice=voice)
    # the gesture under the first sentence, a talking beat under the second: never the reply's own words
    assert perf.gesture.gesture == "affirm" and gen.prompts == ["nod yes", "talk with the hands"]
    assert perf.motion.duration_s == pytest.approx(perf.speech.duration_s + SETTLE_S, abs=0.04)
    assert perf.spoken == REPLY and "Evidence" not in perf.speech.text
    silent = perform_reply(REPLY, generator=gen, voice=None)
    assert silent.speech is None and silent.motion.duration_s == pytest.approx(15 / 2.5 + SETTLE_S, abs=0.04)


@pytest.mark.slow
def test_cli_reply_writes_a_video_with_the_voice(tmp_path, egobutler_home, monkeypatch, hash_encoder, voice) -> None:
    import av

    import egobutler.motion.fractal.text as text
    from egobutler.app.cli import app

    monkeypatch.setattr(text, "default_encoder", lambda: hash_encoder)
    out = tmp_path / "reply.mp4"
    result = CliRunner().invoke(app, ["motion", "reply", "No, the door was left open.", "-q", "Did I lock the door?",
                                      "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert '"gesture": "deny"' in result.stdout
    with av.open(str(out)) as container:
        kinds = sorted(s.type for s in container.streams)
        assert kinds == ["audio", "video"]
        heard = sum(f.samples for f in container.decode(audio=0)) / 24000
    assert heard > 1.0


def test_odd_replies_are_spoken_within_bounds(voice) -> None:
    from egobutler.motion.speech import MAX_SPEECH_S

    assert spoken_text("> quoted\n> a <b>tag</b> stays") == "quoted a <b>tag</b> stays"
    assert voice.speak(spoken_text("🎉🎉")).duration_s == 0.0  # nothing sayable: silence, no error
    assert voice.speak(spoken_text("A" * 700)).duration_s <= MAX_SPEECH_S
