"""The 3D avatar in a real browser (Debian's Chromium through Playwright), with no network."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlparse

import pytest

from conftest import FakeLLM, seeded_services
from test_ui_browser import CHROMIUM, pytestmark  # noqa: F401 — the same marks: browser, slow, skip without Chromium

@pytest.fixture(scope="module")
def avatar_ui(tmp_path_factory):
    """The app with the real avatar: default generator, MiniLM, the bundled hibari voice."""
    from egobutler.motion.avatar import load_generator
    from egobutler.motion.performance import perform_reply
    from egobutler.motion.speech import HibariVoice
    from egobutler.ui.app import build_app
    from egobutler.ui.launch import launch_app

    generator, voice = load_generator(), HibariVoice().load()
    services, _ = seeded_services(tmp_path_factory.mktemp("avatar-home"), FakeLLM())
    services = dataclasses.replace(
        services, avatar=lambda answer, question: perform_reply(answer, question, generator=generator, voice=voice))
    demo = build_app(services)
    url = launch_app(demo, media_dir=services.media_dir, host="127.0.0.1", port=0, block=False, quiet=True)
    try:
        yield url.rstrip("/")
    finally:
        demo.close()
        services.store.close()


@pytest.fixture(scope="module")
def offline_page(avatar_ui):
    """A page whose requests may only reach this machine: everything else is refused and noted."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--enable-unsafe-swiftshader"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        refused: list[str] = []

        def only_loopback(route):
            host = urlparse(route.request.url).hostname or ""
            if route.request.url.startswith("data:") or host in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort("internetdisconnected")

        page.route("**/*", only_loopback)
        page.refused = refused
        yield page
        browser.close()


def test_the_app_loads_with_the_network_disabled(offline_page, avatar_ui) -> None:
    page = offline_page
    page.goto(avatar_ui)
    page.locator("#eb-question textarea").wait_for(timeout=60_000)
    page.wait_for_function("window.EgobutlerTHREE !== undefined", timeout=30_000)  # three.js from the package
    page.locator(".eb-avatar-stage canvas").wait_for(timeout=30_000)
    refused_scripts = [u for u in page.refused if u.endswith(".js")]
    assert not refused_scripts, f"the app needs scripts from the network: {refused_scripts}"


def test_the_avatar_moves_and_speaks_while_a_reply_plays(offline_page, avatar_ui) -> None:
    page = offline_page
    if page.url != avatar_ui + "/":
        page.goto(avatar_ui)
    box = page.locator("#eb-question textarea")
    box.wait_for(timeout=60_000)
    box.fill("Where did I leave the screwdriver?")
    box.press("Enter")
    page.wait_for_function("document.querySelector('.eb-avatar-stage')?.dataset.replyId", timeout=90_000)
    audio = page.locator("#eb-avatar audio.eb-avatar-audio")
    assert audio.count() == 1
    assert audio.get_attribute("src").startswith("data:audio/wav;base64,")
    assert "drawer by the sink" in audio.get_attribute("title"), "it speaks the reply shown in the chat"
    page.wait_for_function("document.querySelector('#eb-avatar audio').duration > 1", timeout=30_000)
    assert page.locator(".eb-avatar-stage").get_attribute("data-gesture") == "recall"

    shot = "document.querySelector('.eb-avatar-stage canvas').toDataURL('image/png')"
    frame = "Number(document.querySelector('.eb-avatar-stage').dataset.frame)"
    page.wait_for_function(f"{frame} >= 3", timeout=30_000)
    first, first_frame = page.evaluate(shot), page.evaluate(frame)
    page.wait_for_function(f"{frame} >= {first_frame + 15}", timeout=30_000)
    second = page.evaluate(shot)
    assert first != second, "the body moves on the canvas while the reply plays"
    assert not page.evaluate("document.querySelector('#eb-avatar audio').paused") or page.evaluate(
        "document.querySelector('#eb-avatar audio').ended"), "the speech plays"
