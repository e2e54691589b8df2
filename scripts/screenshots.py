"""Screenshots of every screen of the chat UI, for the README and docs.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--llm none|smollm2] [--no-avatar] [--egolife]

Seeds the demo memory (`egobutler.ui.demo`) in a temporary data dir, launches the app on
127.0.0.1, drives Debian's Chromium (/usr/bin/chromium) with Playwright, and writes
chat.png, timeline.png, people.png, ingest.png and settings.png. Answers are extractive
(``--llm none``: the engine quotes its best evidence) unless ``--llm smollm2`` loads the
bundled SmolLM2 GGUF.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CHROMIUM = "/usr/bin/chromium"
QUESTION = "Where did I put the screwdriver?"
VIEWPORT = {"width": 1280, "height": 860}
MAX_BYTES = 300_000
EGOLIFE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "egolife"


def _avatar(root: Path, enabled: bool):
    """The real avatar (the motion package's generator rendering a GIF per reply), if asked for."""
    if not enabled:
        return None
    from egobutler.app.settings import load_settings
    from egobutler.app.ui_wiring import avatar_for

    return avatar_for(load_settings(home=root))


def _seed_egolife(store, root: Path) -> None:
    """Two hours of real EgoLife memory (DAY1 11:00-13:00 of A1_JAKE) from ../shared/data."""
    import shutil

    from egobutler.ingest.egolife import import_egolife

    source = EGOLIFE / "A1_JAKE" / "sync"
    if not source.is_dir():
        raise SystemExit(f"--egolife needs the EgoLife data at {source}")
    target = root / "egolife" / "A1_JAKE" / "sync"
    target.mkdir(parents=True)
    for path in sorted(source.glob("A1_JAKE_DAY1_1[12]*.json")):
        shutil.copy(path, target)
    import_egolife(store, target.parent, index=False)


def _services(root: Path, llm_name: str, avatar: bool, egolife: bool):
    from egobutler.egorag.engine import Engine
    from egobutler.memory_db.store import MemoryStore
    from egobutler.ui.demo import seed_demo_memory
    from egobutler.ui.services import UiServices
    from egobutler.ui.timefmt import Clock

    store = MemoryStore.open(f"sqlite:///{root / 'memory.db'}", root / "media")
    if egolife:
        _seed_egolife(store, root)
    else:
        seed_demo_memory(store)
    llm = None
    if llm_name == "smollm2":
        from egobutler.egorag.llm import load_llm

        llm = load_llm("transformers", model="smollm2-135m")
    engine = Engine(store, llm, timezone="UTC", day1=date(2025, 1, 1))
    from egobutler.app.settings import load_settings
    from egobutler.app.ui_wiring import settings_view

    view = settings_view(load_settings(home=root, llm=llm_name))
    view["embedder"] = "none here (keyword search only)"
    view.pop("embedder_model", None)
    return UiServices(store=store, engine=engine, media_dir=root / "media", clock=Clock("UTC", date(2025, 1, 1)),
                      avatar=_avatar(root, avatar),
                      now=lambda: datetime(2025, 1, 3, 12, 0, tzinfo=UTC), settings_view=lambda: view,
                      inbox=root / "inbox", ingest_paths=lambda paths: f"Queued {len(paths)} recording(s).",
                      retry_failed=lambda: "No failed recording with its files on disk.")


def _shot(page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=False)
    size = path.stat().st_size
    print(f"{path}  {size / 1000:.0f} KB")
    if size > MAX_BYTES:
        print(f"warning: {path.name} is over {MAX_BYTES // 1000} KB", file=sys.stderr)


def _drive(url: str, out: Path, avatar: bool, question: str = QUESTION) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url)
        box = page.locator("#eb-question textarea")
        box.fill(question)
        box.press("Enter")
        page.locator("#eb-evidence .eb-card").first.wait_for(timeout=120_000)
        page.wait_for_function("!document.querySelector('#eb-question textarea').disabled", timeout=120_000)
        with_video = page.locator("#eb-evidence .eb-card", has_text="hand me the screwdriver")
        (with_video if with_video.count() else page.locator("#eb-evidence .eb-card")).first.click()
        page.locator("#eb-player video, #eb-player .eb-empty").first.wait_for(timeout=30_000)
        if avatar:  # the generator's first load is slow on a small CPU
            page.locator("#eb-avatar img").wait_for(timeout=300_000)
        time.sleep(1.5)
        page.evaluate("window.scrollTo(0, 0)")
        _shot(page, out / "chat.png")

        page.get_by_role("tab", name="Timeline").click()
        page.locator("#eb-hour label").first.wait_for(timeout=30_000)
        page.locator("#eb-hour label").first.click()
        page.locator("#eb-timeline-clips .eb-card").first.wait_for(timeout=30_000)
        page.locator("#eb-timeline-clips .eb-card").first.click()
        time.sleep(1.5)
        _shot(page, out / "timeline.png")

        page.get_by_role("tab", name="People").click()
        page.locator("#eb-person input").click()
        tasha = page.get_by_role("option", name="Tasha")
        (tasha if tasha.count() else page.get_by_role("option")).first.click()
        page.locator("#eb-utterances label").first.wait_for(timeout=30_000)
        time.sleep(1.0)
        _shot(page, out / "people.png")

        page.get_by_role("tab", name="Ingest").click()
        time.sleep(2.0)
        _shot(page, out / "ingest.png")

        page.get_by_role("tab", name="Settings").click()
        time.sleep(1.5)
        _shot(page, out / "settings.png")
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--llm", choices=["none", "smollm2"], default="none")
    parser.add_argument("--egolife", action="store_true",
                        help="use two hours of the real EgoLife memory in ../shared/data instead of the demo")
    parser.add_argument("--no-avatar", action="store_true", help="leave out the avatar (its first load is slow)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"needs {CHROMIUM}: apt-get install -y chromium", file=sys.stderr)
        return 1
    from egobutler.ui.app import build_app
    from egobutler.ui.launch import launch_app

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="egobutler-shots-") as tmp:
        services = _services(Path(tmp), args.llm, not args.no_avatar, args.egolife)
        demo = build_app(services)
        url = launch_app(demo, media_dir=services.media_dir, port=0, block=False, quiet=True)
        try:
            question = "Who used the screwdriver first?" if args.egolife else QUESTION
            _drive(url, args.out, services.avatar is not None, question)
        finally:
            demo.close()
            services.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
