"""Every chapter reads as a chapter: prose, committed figures, exercises with answers, Colab, no hidden references.

The numbers come from scripts/chapters.py (the README's chapter table).
"""
import re, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import chapters  # noqa: E402

CHAPTERS = chapters.chapters()


@pytest.mark.parametrize("nb", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_is_a_chapter(nb):
    s = chapters.stats(nb)
    assert s["words"] >= 1000, f"{nb.name}: {s['words']} words of prose (at least 1,000)"
    render = f"python scripts/chapters.py --render {nb.stem}"
    assert s["figures"] >= 1, f"{nb.name}: no committed figure (render it: {render})"
    assert s["exercises"] >= 2 and s["answers"], f"{nb.name}: {s['exercises']} exercises, answers: {s['answers']}"
    assert s["colab"], f"{nb.name}: no Colab badge and install cell at the top"
    assert not s["unexplained"], f"{nb.name}: code cells with no markdown before them: {s['unexplained']}"


def test_no_reference_a_learner_cannot_open():
    "Nothing in the package or the chapters points at files outside the repository."
    texts = {p: p.read_text() for p in [*CHAPTERS, *(ROOT / "nanollama").glob("*.py")]}
    bad = {p.name: m for p, t in texts.items() for m in re.findall(r"\.\./shared\S*|DESIGN\.md|STYLE\.md", t)}
    assert not bad, bad
