"""Exit codes a script, cron or a service manager can trust: 0 success, 1 error, 2 usage,
3 partial, 130 interrupted (with a message saying how to resume and nothing left running)."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import typer

from egobutler.app.errors import AppError
from egobutler.app.errors_display import INTERRUPTED_MESSAGE, run_cli


def _table_app() -> typer.Typer:
    app = typer.Typer()

    @app.command("ok")
    def ok() -> None:
        """Succeeds."""

    @app.command("fixable")
    def fixable() -> None:
        """Fails with a message a user can act on."""
        raise AppError("the thing is missing; add it")

    @app.command("partial")
    def partial() -> None:
        """Finishes, but some items failed."""
        raise typer.Exit(3)

    @app.command("ctrl-c")
    def ctrl_c() -> None:
        """Interrupted by the user."""
        raise KeyboardInterrupt

    @app.command("returns")
    def returns(n: int = typer.Option(0, "--n")) -> int:
        """Returns its exit code."""
        return n

    return app


@pytest.mark.parametrize(("args", "code", "stderr_has"), [
    (["ok"], 0, ""),
    (["fixable"], 1, "error: the thing is missing; add it"),
    (["ok", "--no-such-option"], 2, "No such option"),
    (["no-such-verb"], 2, "No such command"),
    (["partial"], 3, ""),
    (["ctrl-c"], 130, INTERRUPTED_MESSAGE),
    (["returns", "--n", "3"], 3, ""),
])
def test_exit_code_table(args, code, stderr_has, capsys):
    assert run_cli(_table_app(), args) == code
    assert stderr_has in capsys.readouterr().err


def _run(cmd: list[str], env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, timeout=300)


def _statuses(db: Path, query: str) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        return [r[0] for r in conn.execute(query)]


@pytest.mark.slow
def test_real_commands_exit_with_the_documented_codes(sample, cli_env, egobutler_cmd, tmp_path):
    env = dict(cli_env, EGOBUTLER_STAGES='["ingest_fakes:SlowNote"]', EGOBUTLER_TEST_SLOW_S="0")
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(b"not a video at all")
    assert _run(egobutler_cmd, env, "status").returncode == 0
    assert _run(egobutler_cmd, env, "status", "--no-such-option").returncode == 2
    failed = _run(egobutler_cmd, env, "ingest", str(garbage))
    assert failed.returncode == 1, failed.stderr[-2000:]
    partial = _run(egobutler_cmd, env, "ingest", str(sample), str(garbage))
    assert partial.returncode == 3, partial.stderr[-2000:]
    doctor = _run(egobutler_cmd, dict(env, EGOBUTLER_STAGES='["caption"]', EGOBUTLER_CAPTIONER="transformers",
                                     EGOBUTLER_CAPTIONER_MODEL=str(tmp_path / "no-such-model")), "doctor")
    assert doctor.returncode == 1, doctor.stdout[-2000:] + doctor.stderr[-2000:]


def _wait_for(predicate, proc: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert proc.poll() is None, proc.stderr.read()[-2000:]
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.2)


@pytest.mark.slow
def test_ctrl_c_during_ingest_exits_130_leaves_nothing_running_and_resumes(sample, cli_env, egobutler_cmd,
                                                                          egobutler_home):
    env = dict(cli_env, EGOBUTLER_STAGES='["ingest_fakes:SlowNote"]', EGOBUTLER_TEST_SLOW_S="1.5")
    db = egobutler_home / "memory.db"

    def started() -> bool:
        try:
            return bool(_statuses(db, "SELECT status FROM ledger WHERE stage='slownote'"))
        except sqlite3.Error:
            return False

    proc = subprocess.Popen([*egobutler_cmd, "ingest", str(sample)], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for(started, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert INTERRUPTED_MESSAGE in err and "Traceback" not in err
    assert "running" not in _statuses(db, "SELECT status FROM recordings")
    assert "running" not in _statuses(db, "SELECT status FROM ledger")
    done_before = _statuses(db, "SELECT clip_id FROM ledger WHERE status='done'")
    assert len(done_before) < 3

    resumed = _run(egobutler_cmd, dict(env, EGOBUTLER_TEST_SLOW_S="0"), "ingest", str(sample))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert len(_statuses(db, "SELECT id FROM captions")) == 3
    assert _statuses(db, "SELECT status FROM recordings") == ["done"]


@pytest.mark.slow
def test_daemon_once_exits_like_ingest(egobutler_home, tmp_path, monkeypatch):
    from egobutler.app.daemon import run_daemon
    from egobutler.app.settings import load_settings

    monkeypatch.setenv("EGOBUTLER_STAGES", "[]")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "broken.mp4").write_bytes(b"not a video")
    (inbox / "broken.mp4.done").touch()
    assert run_daemon(load_settings(), inbox, settle_s=0, once=True) == 1
    assert (inbox / "failed" / "broken.mp4").exists()
    assert run_daemon(load_settings(), inbox, settle_s=0, once=True) == 0  # nothing left to do
