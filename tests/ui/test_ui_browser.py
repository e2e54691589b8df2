"""A real browser (Debian's Chromium through Playwright) using the chat."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install -y chromium); never `playwright install`"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


def test_asking_in_the_browser_shows_the_answer_and_evidence_as_text(browser, launched_ui, tmp_path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(launched_ui.url)
    box = page.locator("#eb-question textarea")
    box.fill("What did we have for lunch, noodles?")
    box.press("Enter")
    cards = page.locator("#eb-evidence .eb-card")
    cards.first.wait_for(timeout=60_000)
    page.get_by_text("Searched memory").first.wait_for(timeout=60_000)
    page.locator("#eb-chatbot").get_by_text("drawer by the sink", exact=False).last.wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "chat.png"))

    evidence_text = page.locator("#eb-evidence").inner_text()
    assert "noodles" in evidence_text
    # memory text with markup is shown literally and never becomes elements
    assert "<script>alert('x')</script>" in evidence_text
    assert "<img src=x onerror=alert(1)>" in evidence_text
    assert page.locator("#eb-evidence script, #eb-evidence img[src='x']").count() == 0
    # the LLM's reply quoting markup is text in the chat too
    chat_text = page.locator("#eb-chatbot").inner_text()
    assert "<b>(not bold)</b>" in chat_text and "<script>window.__xss = 1</script>" in chat_text
    assert page.locator("#eb-chatbot b:has-text('(not bold)')").count() == 0
    assert page.evaluate("window.__xss") is None and not dialogs


def test_clicking_a_card_plays_that_moment(browser, launched_ui) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(launched_ui.url)
    box = page.locator("#eb-question textarea")
    box.fill("Who handed over the screwdriver?")
    box.press("Enter")
    card = page.locator("#eb-evidence .eb-card", has_text="hand me the screwdriver")
    card.wait_for(timeout=60_000)
    card.click()
    video = page.locator("#eb-player video")
    video.wait_for(timeout=30_000)
    assert "#t=0.00,30.00" in video.get_attribute("src")
    # the browser fetched the clip through the media route and knows its length
    page.wait_for_function("document.querySelector('#eb-player video').readyState >= 1", timeout=30_000)
    assert page.evaluate("document.querySelector('#eb-player video').duration") > 1


def test_asking_about_a_timeline_clip_prefills_the_chat(browser, launched_ui) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(launched_ui.url)
    page.get_by_role("tab", name="Timeline").click()
    page.locator("#eb-day input").wait_for(timeout=30_000)
    page.locator("#eb-day input").click()
    page.get_by_role("option", name="DAY1 (Wed 2025-01-01) · 4 clips").click()
    page.locator("#eb-hour label", has_text="11:00").click()
    clip = page.locator("#eb-timeline-clips .eb-card", has_text="hand me the screwdriver")
    clip.wait_for(timeout=30_000)
    clip.click()
    ask = page.locator("#eb-ask-clip")
    page.wait_for_function("!document.querySelector('#eb-ask-clip').disabled", timeout=30_000)
    ask.click()
    question = page.locator("#eb-question textarea")
    page.wait_for_function("document.querySelector('#eb-question textarea').value.length > 0", timeout=30_000)
    assert question.input_value() == "What happened between 11:09:00 and 11:09:30 on DAY1 (Wed 2025-01-01)?"
    assert page.locator("#eb-from input, #eb-from textarea").first.input_value() == "2025-01-01 11:09:00"
    assert page.locator("#eb-to input, #eb-to textarea").first.input_value() == "2025-01-01 11:09:30"
