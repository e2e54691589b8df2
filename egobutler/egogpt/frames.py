"""Frames as the sight stages take them: ``(offset_s, image)`` pairs.

An image is an RGB ``numpy`` array (H x W x 3, uint8) or a PIL image; the offset is in
seconds from the start of the clip. Helpers here validate, subsample, resize and encode
frames; they import numpy and PIL only.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from egobutler.egogpt.errors import InvalidFrame

Frame = tuple[float, Any]  # (offset_s, RGB uint8 HxWx3 ndarray | PIL.Image.Image)


def to_rgb_array(image: Any) -> np.ndarray:
    """Return ``image`` as a contiguous H x W x 3 uint8 RGB array (PIL images are converted)."""
    if isinstance(image, np.ndarray):
        array = image
    elif hasattr(image, "convert") and hasattr(image, "size"):  # PIL, without importing it for arrays
        array = np.asarray(image.convert("RGB"))
    else:
        raise InvalidFrame(f"a frame must be an RGB numpy array or a PIL image, not {type(image).__name__}")
    if array.ndim == 2:  # grayscale: repeat into three channels
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4) or array.shape[0] == 0 or array.shape[1] == 0:
        raise InvalidFrame(f"a frame must be H x W x 3 (RGB), got shape {array.shape}")
    if array.dtype != np.uint8:
        raise InvalidFrame(f"a frame must be uint8 (0-255), got {array.dtype}; convert with (x * 255).astype(np.uint8)")
    return np.ascontiguousarray(array[:, :, :3])


def checked_image(image: Any) -> Any:
    """``image`` itself if it is a usable frame (RGB uint8 array or PIL image), else `InvalidFrame`."""
    if isinstance(image, np.ndarray):
        return to_rgb_array(image)  # no copy for an already contiguous RGB array
    if not (hasattr(image, "convert") and hasattr(image, "size")):
        raise InvalidFrame(f"a frame must be an RGB numpy array or a PIL image, not {type(image).__name__}")
    if min(image.size) < 1:
        raise InvalidFrame(f"a frame must not be empty, got size {image.size}")
    return image  # PIL images are converted to RGB where they are used


def to_pil(image: Any, *, max_side: int | None = None):
    """Return ``image`` as an RGB PIL image, downscaled so its longer side is at most ``max_side`` px."""
    from PIL import Image

    pil = Image.fromarray(to_rgb_array(image)) if not isinstance(image, Image.Image) else image.convert("RGB")
    if max_side and max(pil.size) > max_side:
        scale = max_side / max(pil.size)
        size = (max(1, round(pil.width * scale)), max(1, round(pil.height * scale)))
        pil = pil.resize(size, Image.BICUBIC, reducing_gap=2.0)  # box-reduce first: cheaper for large downscales
    return pil


def sorted_frames(frames: Sequence[Frame]) -> list[Frame]:
    """Frames in time order; raises `InvalidFrame` for a malformed pair or a negative offset."""
    out = []
    for item in frames:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise InvalidFrame("frames must be (offset_s, image) pairs")
        offset_s, image = float(item[0]), item[1]
        if offset_s < 0 or offset_s != offset_s:  # NaN check without math
            raise InvalidFrame(f"frame offset must be >= 0 seconds, got {item[0]!r}")
        out.append((offset_s, image))
    return sorted(out, key=lambda pair: pair[0])


def select_frames(frames: Sequence[Frame], max_frames: int) -> list[Frame]:
    """At most ``max_frames`` frames spread evenly over the clip, first and last kept, in time order."""
    ordered = sorted_frames(frames)
    if max_frames < 1:
        raise ValueError("max_frames must be >= 1")
    if len(ordered) <= max_frames:
        return ordered
    if max_frames == 1:
        return [ordered[len(ordered) // 2]]
    step = (len(ordered) - 1) / (max_frames - 1)
    return [ordered[round(i * step)] for i in range(max_frames)]


def jpeg_bytes(image: Any, *, max_side: int | None = None, quality: int = 85) -> bytes:
    """Encode ``image`` as JPEG (after an optional downscale to ``max_side`` px)."""
    buffer = io.BytesIO()
    to_pil(image, max_side=max_side).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def jpeg_data_url(image: Any, *, max_side: int | None = None, quality: int = 85) -> str:
    """A ``data:image/jpeg;base64,...`` URL of ``image``, as OpenAI-style ``image_url`` parts take."""
    encoded = base64.b64encode(jpeg_bytes(image, max_side=max_side, quality=quality)).decode("ascii")
    return f"data:image/jpeg;base64,{encoded}"
