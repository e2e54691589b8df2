"""LLM backends for EgoRAG behind one small interface.

    from egobutler.egorag.llm import ChatMessage, load_llm, generate_structured
    llm = load_llm("transformers", model="smollm2-135m")      # offline default
    llm.generate([ChatMessage("user", "Hello")])

Backends: ``transformers`` (local checkpoint / GGUF / HF cache), ``openai`` (any
OpenAI-compatible server: vLLM, Ollama, LM Studio, OpenAI), ``llama-cpp`` (optional).
Importing this package is light: torch, transformers and openai load inside ``load()``.
"""

from egobutler.egorag.errors import LLMError, LLMUnavailable, StructuredOutputError
from egobutler.egorag.llm.base import (
    BACKENDS,
    LLM,
    ChatMessage,
    as_messages,
    backend_names,
    create_llm,
    load_llm,
)
from egobutler.egorag.llm.fake import ScriptedLLM
from egobutler.egorag.llm.prompting import (
    EVIDENCE_IS_DATA,
    format_evidence_block,
)
from egobutler.egorag.llm.structured import extract_json, generate_structured

__all__ = [
    "BACKENDS",
    "EVIDENCE_IS_DATA",
    "LLM",
    "ChatMessage",
    "LLMError",
    "LLMUnavailable",
    "ScriptedLLM",
    "StructuredOutputError",
    "as_messages",
    "backend_names",
    "create_llm",
    "extract_json",
    "format_evidence_block",
    "generate_structured",
    "load_llm",
]
