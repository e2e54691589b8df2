"""Caption with a local vision-language checkpoint through Hugging Face transformers.

Families that load: LLaVA-OneVision (Qwen2 LLM + SigLIP, the architecture EgoGPT-7B is
fine-tuned from), Qwen2-VL / Qwen2.5-VL, Idefics3 / SmolVLM - any checkpoint whose config
maps to ``AutoModelForImageTextToText`` and ships a processor with a chat template.
The model class comes from the checkpoint's ``config.json``; nothing is hard-coded per name.

Frames go in as a *video* for families trained on video (LLaVA-OneVision, Qwen2-VL,
Qwen2.5-VL: fewer tokens per frame) and as a list of images otherwise (Idefics3/SmolVLM).
Device and dtype are automatic: CUDA in bfloat16 when a GPU is present, else CPU in
float32. Clips with the same number of frames are batched (left padding). ``close()``
frees the model and the GPU memory it held.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

from egobutler.egogpt.captioner import DEFAULT_MAX_FRAMES, Captioner, PreparedClip
from egobutler.egogpt.errors import BackendUnavailable, CaptionerError
from egobutler.egogpt.frames import to_pil

logger = logging.getLogger(__name__)

# model_type values whose processors take a clip as a video (one token budget per frame).
VIDEO_FAMILIES = frozenset({"llava_onevision", "qwen2_vl", "qwen2_5_vl", "qwen3_vl", "llava_next_video"})


class TransformersCaptioner(Captioner):
    """Captions clips with the checkpoint ``model`` (a local folder or a Hugging Face id).

    ``frames_as``: ``"auto"`` (video for `VIDEO_FAMILIES`, else images), ``"video"`` or
    ``"images"``. ``max_side`` (px) downsizes frames before the processor (the processor
    resizes again to the model's own resolution). ``local_files_only`` forbids downloads.
    """

    name = "transformers"

    def __init__(
        self,
        model: str | Path,
        *,
        device: str | None = None,
        dtype: str | None = None,
        batch_size: int = 4,
        max_frames: int = DEFAULT_MAX_FRAMES,
        max_side: int = 448,
        max_new_tokens: int = 192,
        frames_as: str = "auto",
        local_files_only: bool = False,
    ):
        if not model:
            raise BackendUnavailable(
                "the transformers captioner needs a checkpoint: set captioner_model to a local folder or an HF id "
                "(e.g. llava-hf/llava-onevision-qwen2-0.5b-ov-hf); see `egobutler models list`"
            )
        if frames_as not in ("auto", "video", "images"):
            raise ValueError("frames_as must be 'auto', 'video' or 'images'")
        self.model = str(model)
        self.device = device
        self.dtype = dtype
        self.batch_size = max(1, int(batch_size))
        self.max_frames = int(max_frames)
        self.max_side = max_side
        self.max_new_tokens = int(max_new_tokens)
        self.frames_as = frames_as
        self.local_files_only = local_files_only
        self._model = None
        self._processor = None
        self._as_video = False
        self._model_id = _checkpoint_id(self.model)

    @property
    def model_id(self) -> str:
        return self._model_id

    def load(self) -> None:
        """Load the processor and model on the chosen device. Idempotent."""
        if self._model is not None:
            return
        try:
            import torch
            from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor
        except ImportError as exc:
            raise BackendUnavailable(
                "the transformers captioner needs torch and transformers: pip install 'egobutler[full]'"
            ) from exc
        device, dtype = _device_and_dtype(torch, self.device, self.dtype)
        kwargs = {"local_files_only": self.local_files_only}
        try:
            config = AutoConfig.from_pretrained(self.model, **kwargs)
            processor = AutoProcessor.from_pretrained(self.model, **kwargs)
            model = AutoModelForImageTextToText.from_pretrained(self.model, dtype=dtype, **kwargs)
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(_load_failure(self.model, exc)) from None
        if getattr(processor, "chat_template", None) is None:
            raise BackendUnavailable(
                f"{self.model}: the processor has no chat template; use an instruction-tuned checkpoint"
            )
        processor.tokenizer.padding_side = "left"  # generation continues from the right edge
        self._processor, self._model = processor, model.to(device).eval()
        self._as_video = self._wants_video(config.model_type, processor)
        logger.info("loaded %s (%s) on %s/%s, frames as %s", self.model, config.model_type, device, dtype,
                    "video" if self._as_video else "images")  # fmt: skip

    def _wants_video(self, model_type: str, processor) -> bool:
        if self.frames_as != "auto":
            return self.frames_as == "video"
        return model_type in VIDEO_FAMILIES and getattr(processor, "video_processor", None) is not None

    def close(self) -> None:
        """Drop the model and processor and give GPU memory back."""
        if self._model is None:
            return
        on_cuda = self._model.device.type == "cuda"
        self._model = self._processor = None
        gc.collect()
        if on_cuda:
            import torch

            torch.cuda.empty_cache()

    def _describe(self, clips: Sequence[PreparedClip]) -> list[str]:
        texts: list[str | None] = [None] * len(clips)
        for batch in _batches(clips, self.batch_size):
            outputs = self._generate([clips[i] for i in batch])
            for i, text in zip(batch, outputs, strict=True):
                texts[i] = text
        return [t or "" for t in texts]

    def _generate(self, clips: Sequence[PreparedClip]) -> list[str]:
        import torch

        processor, model = self._processor, self._model
        frames = [[to_pil(image, max_side=self.max_side) for _, image in clip.frames] for clip in clips]
        prompts = [processor.apply_chat_template(self._messages(clip), add_generation_prompt=True, tokenize=False)
                   for clip in clips]  # fmt: skip
        media = {"images": frames}
        if self._as_video:
            # Real timing, so models that encode time (Qwen2.5-VL) do not assume 24 fps.
            media = {"videos": frames, "video_metadata": [_video_metadata(clip) for clip in clips],
                     "do_sample_frames": False}  # fmt: skip
        try:
            inputs = processor(text=prompts, return_tensors="pt", padding=True, **media)
            inputs = inputs.to(model.device, dtype=model.dtype)  # casts only float tensors (pixels)
            with torch.inference_mode():
                out = model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        except (RuntimeError, ValueError) as exc:
            raise CaptionerError(f"{self.model_id} failed on a batch of {len(clips)} clips: {exc}") from exc
        new_tokens = out[:, inputs["input_ids"].shape[1] :]
        return processor.batch_decode(new_tokens, skip_special_tokens=True)

    def _messages(self, clip: PreparedClip) -> list[dict]:
        visual = [{"type": "video"}] if self._as_video else [{"type": "image"} for _ in clip.frames]
        return [{"role": "user", "content": [*visual, {"type": "text", "text": clip.prompt}]}]


def _video_metadata(clip: PreparedClip) -> dict:
    """What transformers' video processors want to know about a clip given as frames (fps in frames/s)."""
    offsets = [offset for offset, _ in clip.frames]
    span_s = offsets[-1] - offsets[0]
    fps = (len(offsets) - 1) / span_s if len(offsets) > 1 and span_s > 0 else 1.0
    return {"total_num_frames": len(offsets), "fps": fps, "duration": max(span_s, 1.0 / fps),
            "frames_indices": list(range(len(offsets)))}  # fmt: skip


def _batches(clips: Sequence[PreparedClip], batch_size: int) -> list[list[int]]:
    """Indices of clips grouped by frame count (processors stack equal-length videos), then chunked."""
    by_count: dict[int, list[int]] = {}
    for i, clip in enumerate(clips):
        by_count.setdefault(len(clip.frames), []).append(i)
    return [group[j : j + batch_size] for group in by_count.values() for j in range(0, len(group), batch_size)]


def _device_and_dtype(torch, device: str | None, dtype: str | None):
    """CUDA + bfloat16 when a GPU is there (float16 on GPUs without bf16), else CPU + float32."""
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif device.startswith("cuda") and not torch.cuda.is_available():
        raise BackendUnavailable(f"captioner device {device!r} asked for, but torch sees no CUDA GPU here; "
                                 "leave the device unset (CPU is chosen automatically) or fix the GPU driver")
    if dtype is None:
        if device.startswith("cuda"):
            dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
        else:
            dtype = "float32"
    return device, getattr(torch, dtype)


def _checkpoint_id(model: str) -> str:
    """``transformers:<HF id>`` or, for a folder, ``transformers:<folder name>@<8 hex>``.

    The hash covers config.json and the first 64 KiB of each weight file, so two folders
    with the same name but different weights get different ids (the ledger then re-runs),
    while moving or re-opening a folder keeps its id.
    """
    path = Path(model).expanduser()
    if not path.is_dir():
        return f"transformers:{model}"
    digest = hashlib.sha256()
    for name in ["config.json", *sorted(p.name for p in path.iterdir() if p.suffix in (".safetensors", ".bin"))]:
        file = path / name
        if file.is_file():
            with file.open("rb") as fh:
                digest.update(name.encode() + fh.read(64 * 1024))
    return f"transformers:{path.resolve().name}@{digest.hexdigest()[:8]}"


def _load_failure(model: str, exc: Exception) -> str:
    if Path(model).expanduser().exists():
        return f"cannot load the captioner checkpoint {model}: {exc}"
    return (
        f"captioner checkpoint {model!r} is neither a local folder nor in the Hugging Face cache "
        f"({type(exc).__name__}); download it on a connected machine with `hf download {model}` "
        "(or `egobutler models pull`), or set captioner_model to a local folder"
    )
