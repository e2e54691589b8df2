#!/usr/bin/env bash
# Install llama-cpp-python (the local reader's engine) into the venv, building it only once.
#
# PyPI ships it as source only: building takes ~12 min on 2 cores. The built wheel is kept
# in a cache outside the checkout (EGOBUTLER_WHEELS, default ~/.cache/egobutler/wheels), so a
# fresh clone or a recreated venv on the same machine installs it in seconds.
#   usage: scripts/install_llama_cpp.sh PIP [CONSTRAINTS]
set -euo pipefail
PIP=${1:?usage: install_llama_cpp.sh PIP [CONSTRAINTS]}
CONSTRAINTS=${2:-constraints.txt}
PIN=llama-cpp-python==0.3.36
WHEELS=${EGOBUTLER_WHEELS:-$HOME/.cache/egobutler/wheels}
mkdir -p "$WHEELS"
if ! ls "$WHEELS"/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1; then
    echo "building $PIN for this CPU (once; ~12 min on 2 cores) into $WHEELS" >&2
    # CPU only: no CUDA/Metal/Vulkan toolchains are assumed; tools and examples are not built.
    CMAKE_ARGS="-DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_BLAS=OFF -DLLAMA_BUILD_TESTS=OFF \
-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF" "$PIP" wheel -q --no-deps -w "$WHEELS" "$PIN"
fi
"$PIP" install -q -c "$CONSTRAINTS" --find-links "$WHEELS" --only-binary llama-cpp-python "$PIN"
