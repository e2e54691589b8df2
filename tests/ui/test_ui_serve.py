"""`egobutler serve` refuses unsafe binds; a password-protected app really asks for it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from egobutler.app.errors import AppError

PASSWORD = "s3cret-Horse-Battery"  # test-only; passwords need 16+ characters


def test_serve_refuses_a_public_address_without_a_password(egobutler_home: Path) -> None:
    from egobutler.app.cli import app

    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert isinstance(result.exception, AppError)
    assert "without a password" in str(result.exception) and "\n" not in str(result.exception)
    assert not (egobutler_home / "memory.db").exists(), "nothing is opened before the check"


def test_serve_help_offers_no_share_link() -> None:
    from egobutler.app.cli import app

    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--mcp" in result.output and "--share" not in result.output


@pytest.mark.slow
def test_with_auth_set_the_app_and_its_media_need_a_login(tmp_path: Path) -> None:
    import gradio as gr

    from egobutler.ui.launch import launch_app

    media = tmp_path / "media"
    media.mkdir()
    (media / "a.txt").write_text("media file")
    with gr.Blocks(analytics_enabled=False) as demo:
        gr.Markdown("hello")
    url = launch_app(demo, media_dir=media, port=0, auth=[f"ann:{PASSWORD}"], block=False, quiet=True).rstrip("/")
    try:
        file_url = f"{url}/gradio_api/file={media / 'a.txt'}"
        assert httpx.get(file_url, timeout=30).status_code == 401
        with httpx.Client(base_url=url, timeout=30) as client:
            assert client.post("/login", data={"username": "ann", "password": "wrong"}).status_code == 400
            assert client.post("/login", data={"username": "ann", "password": PASSWORD}).status_code == 200
            assert client.get(file_url).text == "media file"
    finally:
        demo.close()
