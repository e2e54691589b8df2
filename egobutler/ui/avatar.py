"""The avatar beside the chat: a 3D body (three.js, in the browser) acting out each reply in time
with its spoken words, or, with ``avatar_view = "video"``, the server-rendered GIF.

The server sends one HTML value per reply: the motion as JSON in a data attribute (skeleton,
root positions, local joint quaternions at 30 fps), the speech as a WAV ``<audio>``, and the
gesture's name as text. ``static/avatar/avatar_player.js`` (run on load) builds a skinned body
from the skeleton and plays the motion, clocked by the audio while it plays. three.js is served
from the package (``static/avatar/three.avatar.min.js``), so the avatar works with no network.
"""

from __future__ import annotations

import base64
import html
import json
import logging
from collections.abc import Sequence
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr
import numpy as np

if TYPE_CHECKING:
    from egobutler.motion.performance import ReplyPerformance
    from egobutler.ui.services import UiServices

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static" / "avatar"
THREE_JS = STATIC_DIR / "three.avatar.min.js"
PLAYER_JS = STATIC_DIR / "avatar_player.js"
GESTURE_NAMES = {"greet": "waves hello", "affirm": "nods", "deny": "shakes their head", "dont_know": "shrugs",
                 "recall": "points back in time", "think": "thinks it over", "count": "counts",
                 "celebrate": "cheers", "idle": "stands by"}
AVATAR_CSS = """
.eb-avatar-caption { text-align: center; margin: 4px 0 0; font-size: 0.85em; color: var(--body-text-color-subdued); }
.eb-avatar-gif { width: 100%; max-width: 320px; display: block; margin: 0 auto; border-radius: 8px; }
"""
_reply_ids = count(1)


def motion_json(perf: ReplyPerformance) -> str:
    """The reply's motion for the browser: skeleton, fps, root positions (m) and local quaternions."""
    motion = perf.motion
    skel = motion.skeleton
    payload = {
        "fps": motion.fps,
        "skeleton": {"names": list(skel.names), "parents": list(skel.parents),
                     "offsets": np.round(skel.offsets, 4).tolist()},
        "root_pos": np.round(motion.root_pos, 3).tolist(),
        "local_rot": np.round(motion.local_rot, 3).tolist(),
    }
    return json.dumps(payload, separators=(",", ":"))


def _audio_tag(perf: ReplyPerformance) -> str:
    if perf.speech is None or not len(perf.speech.audio):
        return ""
    from egobutler.motion.speech import wav_bytes

    data = base64.b64encode(wav_bytes(perf.speech)).decode("ascii")
    spoken = html.escape(perf.speech.text)
    return (f'<audio class="eb-avatar-audio" preload="auto" src="data:audio/wav;base64,{data}" '
            f'title="{spoken}" data-duration="{perf.speech.duration_s:.2f}"></audio>')


def avatar_html(perf: ReplyPerformance, gif: bytes | None = None) -> str:
    """The panel's value for one reply (3D motion data, or the GIF when ``gif`` is given) with its speech."""
    reply_id = next(_reply_ids)
    caption = f'<p class="eb-avatar-caption">The avatar {GESTURE_NAMES.get(perf.gesture.gesture, "moves")}</p>'
    if gif is not None:
        data = base64.b64encode(gif).decode("ascii")
        body = f'<img class="eb-avatar-gif" alt="avatar" src="data:image/gif;base64,{data}">'
        audio = _audio_tag(perf).replace('preload="auto"', 'preload="auto" autoplay')
        return body + audio + caption
    meta = (f'<div class="eb-avatar-meta" hidden data-reply-id="{reply_id}" '
            f'data-gesture="{html.escape(perf.gesture.gesture)}" data-motion="{html.escape(motion_json(perf))}"></div>')
    return meta + _audio_tag(perf) + caption


def build_avatar_panel(services: UiServices) -> gr.HTML:
    """The avatar's panel (call inside the chat layout); hidden when the avatar is off."""
    three_d = services.avatar is not None and services.avatar_view != "video"  # no three.js for no avatar
    return gr.HTML(
        "", visible=services.avatar is not None, elem_id="eb-avatar", min_width=200, css_template=AVATAR_CSS,
        head=_three_head() if three_d else None,
        js_on_load=PLAYER_JS.read_text() if three_d else None,
    )


def _three_head() -> str:
    """A <script> that loads the bundled three.js from the package's static folder."""
    gr.set_static_paths([str(STATIC_DIR)])
    return f'<script src="gradio_api/file={THREE_JS.resolve()}"></script>'


def show_avatar(services: UiServices, turns: Sequence[Sequence[str]]):
    """The avatar panel's value for the last reply (its question is the user turn before it)."""
    replies = [text for role, text in turns if role == "assistant"]
    questions = [text for role, text in turns if role == "user"]
    if services.avatar is None or not replies:
        return gr.skip()
    try:
        perf = services.avatar(replies[-1], questions[-1] if questions else "")
        if perf is None:
            return gr.update(value="")
        gif = _render_gif(perf, Path(services.media_dir) / ".work") if services.avatar_view == "video" else None
        return gr.update(value=avatar_html(perf, gif))
    except Exception as exc:  # noqa: BLE001 — the avatar is decoration: a failure must not break the chat
        log.warning("avatar failed: %s", exc)
        return gr.update(value="")


def _render_gif(perf: ReplyPerformance, work_dir: Path) -> bytes:
    """The reply's GIF, rendered in a folder of the data dir (never the shared system temp) and removed."""
    import tempfile

    from egobutler.motion.render import Camera, save_motion

    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="avatar-", dir=work_dir) as tmp:
        return save_motion(perf.motion, Path(tmp) / "reply.gif", camera=Camera(width=240, height=240)).read_bytes()
