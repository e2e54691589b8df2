"""The app's wiring of the UI: the settings screen hides secrets; enrolling a voice from a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from egobutler.app.settings import load_settings
from egobutler.app.ui_wiring import avatar_for, settings_view

AUDIO = Path(__file__).resolve().parents[1] / "data" / "audio"


def test_the_settings_screen_shows_what_is_in_use_but_no_secret(egobutler_home: Path) -> None:
    settings = load_settings(database_url="postgresql://ann:hunter2@db.local/ego", llm_api_key="sk-123",
                             auth_token="tok-456", llm="openai", llm_model="qwen2.5-7b")
    view = settings_view(settings)
    text = repr(view)
    assert view["llm"] == "openai" and view["llm_model"] == "qwen2.5-7b"
    assert view["media dir"] == str(egobutler_home / "media") and "gradio" in view["versions"]
    assert "hunter2" not in text and "sk-123" not in text and "tok-456" not in text
    assert "postgresql://ann:***@db.local/ego" in text and view["authentication"].startswith("on")


def test_the_avatar_is_wired_from_settings_and_can_be_silent(egobutler_home: Path, monkeypatch) -> None:
    from egobutler.motion.avatar import load_generator

    assert avatar_for(load_settings(motion_generator="none")) is None
    monkeypatch.setattr("egobutler.motion.avatar.load_generator",
                        lambda name, model=None: load_generator(name, model, encoder=_WordEncoder()))
    perform = avatar_for(load_settings(avatar_voice=False))
    perf = perform("No, the door was left open.", "Did I lock the door?")
    assert perf.gesture.gesture == "deny" and perf.speech is None, "voice off: nothing is spoken"
    assert perf.prompt == "shake the head no" and perf.motion.duration_s >= 2.0


class _WordEncoder:
    """A text encoder without a model: one fixed random unit vector per distinct text."""

    model_id = "test:words"

    def encode(self, texts):
        import numpy as np

        out = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=384) for t in texts]
        return np.asarray([v / np.linalg.norm(v) for v in out], dtype=np.float32)


@pytest.mark.slow
def test_enrolling_a_voice_adds_a_profile_to_that_person(ui_services) -> None:
    pytest.importorskip("resemblyzer")
    from egobutler.app.ui_wiring import enroll_for

    enroll = enroll_for(ui_services.store, "jake")
    message = enroll(AUDIO / "alice_1.flac", "Alice")
    assert "Alice" in message
    profiles = ui_services.store.voice_profiles(person_id="alice")
    assert len(profiles) == 1 and len(profiles[0].vector) == 256
    enroll(AUDIO / "bob_1.flac", "Bob")
    bob = ui_services.store.find_person("Bob", wearer_id="jake")
    assert bob is not None and bob.name == "Bob" and ui_services.store.voice_profiles(person_id=bob.id)
