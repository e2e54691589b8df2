#!/usr/bin/env bash
# The main job on embedded defaults: set up the memory, ingest the sample recording,
# answer a question about it, then serve the chat on http://127.0.0.1:7860.
# Run through `make demo` (which sets EGOBUTLER_HOME to ./.egobutler-demo).
set -euo pipefail
cd "$(dirname "$0")/.."
EGB=.venv/bin/egobutler
export GRADIO_ANALYTICS_ENABLED=False PYANNOTE_METRICS_ENABLED=false ANONYMIZED_TELEMETRY=False

echo "== data dir: ${EGOBUTLER_HOME}" >&2
$EGB status
echo "== ingesting the sample recording (samples/aria_sample)" >&2
$EGB ingest samples/aria_sample
echo "== asking about it (the reader, a 1.5B model run by llama.cpp; its first use joins its GGUF parts into the data dir)" >&2
$EGB ask "Where did I leave my keys?"
echo "== the chat is at http://127.0.0.1:7860 (Ctrl-C to stop)" >&2
exec $EGB serve
