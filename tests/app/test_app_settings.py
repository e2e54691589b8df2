"""Settings precedence: CLI flag > EGOBUTLER_* env > egobutler.toml > default."""

from __future__ import annotations

import pytest

from egobutler.app.settings import SettingsError, load_settings


def test_precedence_flag_over_env_over_toml_over_default(egobutler_home, monkeypatch):
    assert load_settings().llm == "llama-cpp"
    (egobutler_home / "egobutler.toml").write_text('llm = "openai"\nport = 9000\n[asr]\nmodel = "base"\n')
    settings = load_settings()
    assert (settings.llm, settings.port, settings.asr_model) == ("openai", 9000, "base")
    monkeypatch.setenv("EGOBUTLER_PORT", "9100")
    assert load_settings().port == 9100
    assert load_settings(port=9200).port == 9200


def test_data_dir_is_egobutler_home_and_never_tmp_by_default(egobutler_home, monkeypatch):
    settings = load_settings()
    assert settings.home == egobutler_home
    assert settings.db_url == f"sqlite:///{egobutler_home / 'memory.db'}"
    monkeypatch.delenv("EGOBUTLER_HOME")
    assert not str(load_settings().home).startswith("/tmp")


def test_unknown_settings_are_refused_with_a_fix(egobutler_home, monkeypatch):
    (egobutler_home / "egobutler.toml").write_text('lmm = "openai"\n')
    with pytest.raises(SettingsError, match="unknown setting 'lmm'"):
        load_settings()
    (egobutler_home / "egobutler.toml").write_text("")
    monkeypatch.setenv("EGOBUTLER_PROT", "1")
    with pytest.raises(SettingsError, match="EGOBUTLER_PROT"):
        load_settings()


def test_bad_values_and_bad_toml_name_the_problem(egobutler_home):
    (egobutler_home / "egobutler.toml").write_text("port = 'not a number'\n")
    with pytest.raises(SettingsError, match="port"):
        load_settings()
    (egobutler_home / "egobutler.toml").write_text("port = \n")
    with pytest.raises(SettingsError, match="egobutler.toml"):
        load_settings()
