"""Draw the avatar's skeleton to frames, MP4 (PyAV, libx264) and GIF (Pillow) — no display.

The camera is orthographic, looking at the motion from the front-left and a little above;
one framing (scale and centre) holds for the whole clip, fitted to everything the motion
reaches plus the ground grid under it, so the figure never jumps or leaves the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from egobutler.motion.deepmimic import MocapClip
from egobutler.motion.errors import MotionError

_LEFT, _RIGHT, _MID = (70, 120, 230), (225, 80, 70), (90, 90, 100)
_BACKGROUND, _GRID, _SHADOW = (246, 246, 242), (205, 205, 198), (215, 215, 208)


@dataclass(frozen=True)
class Camera:
    """Orthographic view: ``azimuth_deg`` around z from +x (the avatar faces +x at the
    start), ``elevation_deg`` above the ground; the picture is ``width`` x ``height`` px."""

    width: int = 480
    height: int = 480
    azimuth_deg: float = 35.0
    elevation_deg: float = 15.0
    margin: float = 0.08  # share of the picture left empty around the motion

    def axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit vectors (right, up, towards the viewer) of the picture, in world coordinates."""
        az, el = np.radians(self.azimuth_deg), np.radians(self.elevation_deg)
        toward = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
        right = np.cross([0.0, 0.0, 1.0], toward)
        right /= np.linalg.norm(right)
        up = np.cross(toward, right)
        return right, up, toward


def _ground_grid(positions: np.ndarray, step_m: float = 0.5) -> list[tuple[np.ndarray, np.ndarray]]:
    lo = np.floor(positions[..., :2].reshape(-1, 2).min(0) / step_m - 1) * step_m
    hi = np.ceil(positions[..., :2].reshape(-1, 2).max(0) / step_m + 1) * step_m
    lines = []
    for x in np.arange(lo[0], hi[0] + 1e-9, step_m):
        lines.append((np.array([x, lo[1], 0.0]), np.array([x, hi[1], 0.0])))
    for y in np.arange(lo[1], hi[1] + 1e-9, step_m):
        lines.append((np.array([lo[0], y, 0.0]), np.array([hi[0], y, 0.0])))
    return lines


def render_frames(motion: MocapClip, camera: Camera | None = None, title: str | None = None) -> list[np.ndarray]:
    """One (H, W, 3) uint8 picture per frame of ``motion``."""
    from PIL import Image, ImageDraw

    camera = camera or Camera()
    positions, _ = motion.world()
    if not np.isfinite(positions).all():
        raise MotionError("cannot render a motion with non-finite joint positions")
    right, up, toward = camera.axes()
    grid = _ground_grid(positions)
    grid_pts = np.array([p for line in grid for p in line])
    pts2 = np.stack([positions @ right, positions @ up], -1)
    all2 = np.concatenate([pts2.reshape(-1, 2), np.stack([grid_pts @ right, grid_pts @ up], -1)])
    lo, hi = all2.min(0), all2.max(0)
    usable = np.array([camera.width, camera.height]) * (1 - 2 * camera.margin)
    scale = float(np.min(usable / np.maximum(hi - lo, 1e-6)))  # pixels per metre
    centre = (lo + hi) / 2

    def to_px(p2: np.ndarray) -> tuple[float, float]:
        x = camera.width / 2 + (p2[0] - centre[0]) * scale
        y = camera.height / 2 - (p2[1] - centre[1]) * scale
        return float(x), float(y)

    skel = motion.skeleton
    side = [_LEFT if n.startswith("left") else _RIGHT if n.startswith("right") else _MID for n in skel.names]
    bone_w = max(2, int(0.045 * scale))
    head = skel.joint_index("head")
    frames = []
    for t in range(motion.num_frames):
        img = Image.new("RGB", (camera.width, camera.height), _BACKGROUND)
        draw = ImageDraw.Draw(img)
        for a, b in grid:
            draw.line([to_px((a @ right, a @ up)), to_px((b @ right, b @ up))], fill=_GRID, width=1)
        root = positions[t, 0] * [1, 1, 0]
        sx, sy = to_px((root @ right, root @ up))
        draw.ellipse([sx - 0.3 * scale, sy - 0.08 * scale, sx + 0.3 * scale, sy + 0.08 * scale], fill=_SHADOW)
        depth = positions[t] @ toward
        bones = sorted((j for j, p in enumerate(skel.parents) if p >= 0), key=lambda j: depth[j] + depth[skel.parents[j]])
        for j in bones:
            if j == head:
                continue
            draw.line([to_px(pts2[t, skel.parents[j]]), to_px(pts2[t, j])], fill=side[j], width=bone_w)
        hx, hy = to_px(pts2[t, head])
        r = 0.1 * scale  # head radius, metres → pixels
        draw.ellipse([hx - r, hy - r, hx + r, hy + r], fill=_MID)
        if title:
            draw.multiline_text((10, 10), "\n".join(line[:70] for line in title.splitlines()[:3]), fill=(40, 40, 40))
        frames.append(np.asarray(img))
    return frames


def write_mp4(frames: list[np.ndarray], path: str | Path, fps: float, audio: np.ndarray | None = None,
              sample_rate: int = 24000) -> Path:
    """Encode frames as H.264 MP4 (yuv420p, so every player opens it), with ``audio`` (mono
    float32 at ``sample_rate``) as AAC when given."""
    import av
    from fractions import Fraction

    path = Path(path)
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height = width - width % 2, height - height % 2
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "28", "preset": "veryfast"}
        sound = container.add_stream("aac", rate=sample_rate, layout="mono") if audio is not None else None
        for frame in frames:
            video = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame[: stream.height, : stream.width]), format="rgb24")
            for packet in stream.encode(video):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            _encode_audio(container, sound, np.asarray(audio, dtype=np.float32), sample_rate)
    return path


def _encode_audio(container, stream, audio: np.ndarray, sample_rate: int, chunk: int = 1024) -> None:
    import av

    for start in range(0, len(audio), chunk):
        piece = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio[None, start:start + chunk]), format="flt", layout="mono")
        piece.sample_rate = sample_rate
        piece.pts = start
        for packet in stream.encode(piece):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def write_gif(frames: list[np.ndarray], path: str | Path, fps: float, max_fps: float = 15.0) -> Path:
    """Save frames as a looping GIF, dropping frames above ``max_fps`` to keep it small."""
    from PIL import Image

    step = max(1, int(round(fps / max_fps)))
    kept = [Image.fromarray(f).quantize(colors=32) for f in frames[::step]]
    kept[0].save(path, save_all=True, append_images=kept[1:], duration=int(round(1000 * step / fps)), loop=0)
    return Path(path)


def save_motion(motion: MocapClip, path: str | Path, camera: Camera | None = None, title: str | None = None) -> Path:
    """Write ``motion`` to ``path``: .mp4 or .gif (rendered) or .bvh (the animation itself)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".bvh":
        from egobutler.motion.bvh import write_bvh

        return write_bvh(motion, path)
    if suffix not in (".mp4", ".gif"):
        raise MotionError(f"cannot write {path.name}: the output must end in .mp4, .gif or .bvh")
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = render_frames(motion, camera, title)
    return write_mp4(frames, path, motion.fps) if suffix == ".mp4" else write_gif(frames, path, motion.fps)


def performance_av(perf, camera: Camera | None = None, title: str | None = None) -> tuple[list[np.ndarray], np.ndarray | None]:
    """Frames of a :class:`~egobutler.motion.performance.ReplyPerformance` and its speech padded
    with silence (or cut) to the motion's length (None when it was not spoken)."""
    frames = render_frames(perf.motion, camera, title)
    if perf.speech is None:
        return frames, None
    need = int(round(len(frames) / perf.motion.fps * perf.speech.sample_rate))
    audio = perf.speech.audio[:need]
    return frames, np.concatenate([audio, np.zeros(max(0, need - len(audio)), np.float32)])


def save_performance(perf, path: str | Path, camera: Camera | None = None, title: str | None = None) -> Path:
    """Write a reply performance: .mp4 with its voice, or .gif / .bvh (motion only)."""
    path = Path(path)
    if path.suffix.lower() != ".mp4":
        return save_motion(perf.motion, path, camera, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames, audio = performance_av(perf, camera, title)
    rate = perf.speech.sample_rate if perf.speech is not None else 24000
    return write_mp4(frames, path, perf.motion.fps, audio=audio, sample_rate=rate)
