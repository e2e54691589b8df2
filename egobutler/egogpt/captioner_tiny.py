"""Tiny random VLM checkpoints built from real configs, for tests and benchmarks.

Each builder writes a complete checkpoint folder (config, safetensors weights,
processor, tokenizer, chat template) that `TransformersCaptioner` loads exactly as it
loads a real one — nothing is downloaded. The tokenizer is a byte-level BPE with no
merges, built locally, so any text round-trips. The weights are random: the text they
generate is garbage, only the plumbing is real.

Families: ``qwen2_vl`` (Qwen2-VL), ``qwen2_5_vl`` (Qwen2.5-VL), ``llava_onevision`` (LLaVA-OneVision / Qwen2, the
architecture EgoGPT-7B is fine-tuned from) and ``idefics3`` (Idefics3 / SmolVLM).
"""

from __future__ import annotations

from pathlib import Path

TINY_FAMILIES = ("qwen2_vl", "qwen2_5_vl", "llava_onevision", "idefics3")

# ChatML with image/video placeholders, the way the Qwen2-VL and LLaVA-OneVision
# checkpoints format a turn; `{image}`/`{video}` become each family's tokens.
_CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}{image}"
    "{% elif part['type'] == 'video' %}{video}"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# Idefics3/SmolVLM turns: "User:<image>text<end_of_utterance>\nAssistant:".
_IDEFICS3 = (
    "<|im_start|>{% for message in messages %}{{ message['role'] | capitalize }}:"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<image>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}"
)


def build_tiny_vlm(family: str, out_dir: str | Path, *, seed: int = 0) -> Path:
    """Write a tiny random checkpoint of ``family`` (one of `TINY_FAMILIES`) to ``out_dir``.

    Returns the folder. Takes a second or two on a CPU; the folder is ~0.5 MB.
    """
    builders = {"qwen2_vl": _qwen2_vl, "qwen2_5_vl": _qwen2_5_vl, "llava_onevision": _llava_onevision,
                "idefics3": _idefics3}  # fmt: skip
    if family not in builders:
        raise ValueError(f"unknown tiny VLM family {family!r}; choose one of {', '.join(TINY_FAMILIES)}")
    import torch

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    model, processor = builders[family]()
    model.save_pretrained(out)
    processor.save_pretrained(out)
    return out


def _byte_tokenizer(cls_name: str, specials: list[str], **kwargs):
    """A byte-level BPE tokenizer (no merges): specials first, then the 256 byte symbols."""
    import transformers
    from tokenizers import pre_tokenizers

    vocab = {token: i for i, token in enumerate(specials)}
    for symbol in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab[symbol] = len(vocab)
    tokenizer = getattr(transformers, cls_name)(vocab=vocab, merges=[], **kwargs)
    tokenizer.add_special_tokens({"additional_special_tokens": specials[1:]})
    return tokenizer


def _tiny_text(vocab_size: int, **extra) -> dict:
    return dict(
        vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=8192, **extra,
    )  # fmt: skip


def _qwen2_vl():
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLProcessor

    vision = dict(depth=1, embed_dim=32, hidden_size=32, num_heads=2, mlp_ratio=2, patch_size=14)
    return _qwen_family(Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLProcessor, vision)


def _qwen2_5_vl():
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor

    vision = dict(depth=1, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=32,
                  fullatt_block_indexes=[0], window_size=56, patch_size=14)  # fmt: skip
    return _qwen_family(Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor, vision)


def _qwen_family(config_cls, model_cls, processor_cls, vision: dict):
    from transformers import Qwen2VLImageProcessor, Qwen2VLVideoProcessor

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                "<|image_pad|>", "<|video_pad|>"]  # fmt: skip
    tok = _byte_tokenizer("Qwen2Tokenizer", specials, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    # 56..112 px per frame keeps the vision sequence to a handful of patches.
    pixels = dict(min_pixels=56 * 56, max_pixels=112 * 112, patch_size=14, merge_size=2, temporal_patch_size=2)
    template = _CHATML.replace("{image}", "<|vision_start|><|image_pad|><|vision_end|>")
    template = template.replace("{video}", "<|vision_start|><|video_pad|><|vision_end|>")
    processor = processor_cls(
        image_processor=Qwen2VLImageProcessor(**pixels), video_processor=Qwen2VLVideoProcessor(**pixels),
        tokenizer=tok, chat_template=template,
    )  # fmt: skip
    ids = tok.convert_tokens_to_ids
    config = config_cls(
        text_config=_tiny_text(
            len(tok), rope_parameters={"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 10000.0},
            bos_token_id=None, eos_token_id=ids("<|im_end|>"), pad_token_id=ids("<|endoftext|>"),
        ),
        vision_config=vision,
        image_token_id=ids("<|image_pad|>"), video_token_id=ids("<|video_pad|>"),
        vision_start_token_id=ids("<|vision_start|>"), vision_end_token_id=ids("<|vision_end|>"),
    )  # fmt: skip
    _set_generation_ids(config, eos=ids("<|im_end|>"), pad=ids("<|endoftext|>"))
    return model_cls(config), processor


def _llava_onevision():
    from transformers import (
        LlavaOnevisionConfig,
        LlavaOnevisionForConditionalGeneration,
        LlavaOnevisionImageProcessor,
        LlavaOnevisionProcessor,
        LlavaOnevisionVideoProcessor,
    )  # fmt: skip

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<video>"]
    tok = _byte_tokenizer("Qwen2Tokenizer", specials, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    side = 28  # SigLIP input side in px: 2x2 patches of 14 px
    image_processor = LlavaOnevisionImageProcessor(
        size={"height": side, "width": side}, image_grid_pinpoints=[[side, side], [side, 2 * side], [2 * side, side]],
    )  # fmt: skip
    video_processor = LlavaOnevisionVideoProcessor(size={"height": side, "width": side})
    template = _CHATML.replace("{image}", "<image>\n").replace("{video}", "<video>\n")
    processor = LlavaOnevisionProcessor(
        image_processor=image_processor, video_processor=video_processor, tokenizer=tok, chat_template=template,
        num_image_tokens=(side // 14) ** 2, vision_feature_select_strategy="full", vision_aspect_ratio="anyres_max_9",
    )  # fmt: skip
    ids = tok.convert_tokens_to_ids
    config = LlavaOnevisionConfig(
        text_config={"model_type": "qwen2", **_tiny_text(len(tok), eos_token_id=ids("<|im_end|>"))},
        vision_config=dict(
            model_type="siglip_vision_model", hidden_size=32, intermediate_size=64, num_hidden_layers=1,
            num_attention_heads=2, image_size=side, patch_size=14, vision_use_head=False,
        ),
        image_token_index=ids("<image>"), video_token_index=ids("<video>"),
        vision_feature_select_strategy="full", vision_feature_layer=-1,
        image_grid_pinpoints=[[side, side], [side, 2 * side], [2 * side, side]],
    )  # fmt: skip
    _set_generation_ids(config, eos=ids("<|im_end|>"), pad=ids("<|endoftext|>"))
    return LlavaOnevisionForConditionalGeneration(config), processor


def _idefics3():
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3ImageProcessor, Idefics3Processor

    grid = [f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7)]
    specials = ["<|endoftext|>", "<|im_start|>", "<fake_token_around_image>", "<image>", "<end_of_utterance>",
                "<global-img>", *grid]  # fmt: skip
    tok = _byte_tokenizer("GPT2Tokenizer", specials, eos_token="<end_of_utterance>", pad_token="<|endoftext|>")
    side, patch, scale = 28, 14, 2  # one 28 px tile -> (28/14)^2 / 2^2 = 1 image token
    image_processor = Idefics3ImageProcessor(
        size={"longest_edge": 2 * side}, max_image_size={"longest_edge": side}, do_image_splitting=True,
    )  # fmt: skip
    processor = Idefics3Processor(
        image_processor=image_processor, tokenizer=tok, chat_template=_IDEFICS3,
        image_seq_len=((side // patch) ** 2) // (scale**2),
    )  # fmt: skip
    ids = tok.convert_tokens_to_ids
    config = Idefics3Config(
        text_config={"model_type": "llama", **_tiny_text(len(tok), pad_token_id=ids("<|endoftext|>"))},
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                           image_size=side, patch_size=patch),  # fmt: skip
        image_token_id=ids("<image>"), scale_factor=scale,
    )  # fmt: skip
    _set_generation_ids(config, eos=ids("<end_of_utterance>"), pad=ids("<|endoftext|>"))
    return Idefics3ForConditionalGeneration(config), processor


def _set_generation_ids(config, *, eos: int, pad: int) -> None:
    """Put eos/pad where generation looks for them (the text config and the top config)."""
    for cfg in (config, getattr(config, "text_config", None)):
        if cfg is not None:
            cfg.eos_token_id = eos
            cfg.pad_token_id = pad
