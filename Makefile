# The commands of the README. Each does its own set-up first.
PY ?= python3

.PHONY: setup run test lab render export

setup:
	bash scripts/setup.sh

# the main job: raw text -> decontaminated data -> pre-training -> SFT -> DPO -> evaluation -> GGUF -> runs/speedrun/report.md
run: setup
	nanollama speedrun --out runs/speedrun

# every notebook (slow cells included) through nbdev's runner, plus the CLI tests
test: setup
	OMP_NUM_THREADS=1 $(PY) -m pytest -q -n 2 tests

# the course in JupyterLab, widgets live: start with nbs/00_config.ipynb
lab: setup
	jupyter lab nbs $(if $(filter 0,$(shell id -u)),--allow-root)

# re-run every chapter in place so that its outputs (figures, tables) are committed; prints the README's chapter table
render: setup
	$(PY) scripts/chapters.py --render && nbdev-clean

export:
	nbdev-export && nbdev-clean
