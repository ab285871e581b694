# The commands of the README. Each does its own set-up first.
PYTHON ?= python3
export PYTHON
# scripts/setup.sh installs into .venv when $(PYTHON) is an OS interpreter that refuses pip (PEP 668: Debian 12,
# Ubuntu 24.04); every command then runs inside that environment ($$PY: its python, else $(PYTHON))
IN_ENV = PY=$(PYTHON); if [ -f .venv/bin/activate ]; then . .venv/bin/activate; PY=python; fi;

.PHONY: setup run test lab render export

setup:
	bash scripts/setup.sh

# the main job: raw text -> decontaminated data -> pre-training -> SFT -> DPO -> evaluation -> GGUF -> runs/speedrun/report.md
run: setup
	$(IN_ENV) nanollama speedrun --out runs/speedrun

# every notebook (slow cells included) through nbdev's runner, plus the CLI tests
test: setup
	$(IN_ENV) OMP_NUM_THREADS=1 $$PY -m pytest -q -n 2 tests

# the course in JupyterLab, widgets live: start with nbs/00_config.ipynb
lab: setup
	$(IN_ENV) jupyter lab nbs $(if $(filter 0,$(shell id -u)),--allow-root)

# re-run every chapter in place so that its outputs (figures, tables) are committed; prints the README's chapter table
render: setup
	$(IN_ENV) $$PY scripts/chapters.py --render && nbdev-clean

export:
	$(IN_ENV) nbdev-export && nbdev-clean
