# The two commands of the README. Each does its own set-up first.
PY ?= python3

.PHONY: setup run test export

setup:
	bash scripts/setup.sh

# the main job: raw text -> decontaminated data -> pre-training -> SFT -> DPO -> evaluation -> GGUF -> runs/speedrun/report.md
run: setup
	nanollama speedrun --out runs/speedrun

# every notebook (slow cells included) through nbdev's runner, plus the CLI tests
test: setup
	OMP_NUM_THREADS=1 $(PY) -m pytest -q -n 2 tests

export:
	nbdev-export && nbdev-clean
