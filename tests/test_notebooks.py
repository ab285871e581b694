"""One pytest test per notebook, run by nbdev's own runner (honours `#| notest`, `#| slow`, `skip_exec`).

`slow` cells run too (the README's test command is the full check); set NANOLLAMA_SKIP_SLOW=1 to skip them.
"""
import os
from pathlib import Path

import pytest
import nbdev.test as nbt  # not `from nbdev.test import test_nb`: pytest would collect it
from nbdev.config import get_config

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "nbs").glob("[0-9]*.ipynb"))


def _flags():
    skip = get_config(ROOT).tst_flags.split()
    force = [] if os.environ.get("NANOLLAMA_SKIP_SLOW") else ["slow"]
    return skip, force


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb):
    skip, force = _flags()
    ok, secs = nbt.test_nb(nb, skip_flags=skip, force_flags=force, basepath=ROOT)
    assert ok, f"{nb.name} failed (traceback above)"
