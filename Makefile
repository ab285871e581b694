# The two commands of the README. Each does its own set-up first.
PY ?= python3

.PHONY: setup run test export

setup:
	bash scripts/setup.sh

# the main job (for now: chat with the real pretrained SmolLM2 through our own NanoLlama code)
run: setup
	nanollama chat --model smollm2

# every notebook (slow cells included) through nbdev's runner, plus the CLI tests
test: setup
	OMP_NUM_THREADS=1 $(PY) -m pytest -q -n 2 tests

export:
	nbdev-export && nbdev-clean
