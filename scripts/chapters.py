"""What each chapter holds: words of prose, figures, widgets, exercises, CPU time (from the last render).

    python scripts/chapters.py            # the README's chapter table (markdown)
    python scripts/chapters.py --render   # re-run every chapter in place, keeping outputs (2 at a time), then the table

Rendering executes each notebook top to bottom (slow cells included, `#| eval: false` cells skipped) with execnb,
the runner nbdev's tests use, writes the outputs into the notebook and its wall time into docs/render_times.json.
Run `nbdev-clean` afterwards (it keeps outputs and strips volatile metadata).
"""
import json, os, re, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMES = ROOT / "docs" / "render_times.json"
FIGURE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")


def chapters() -> list[Path]:
    return sorted((ROOT / "nbs").glob("[0-9]*.ipynb"))


def prose_words(md: str) -> int:
    "Words outside fenced code blocks and HTML tags."
    text = re.sub(r"```.*?```", " ", md, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return len(re.findall(r"[A-Za-z][A-Za-z'’-]*", text))


def code_lines(cell) -> list[str]:
    "The cell's lines of code, without nbdev's `#|` directives and blank lines."
    return [l for l in "".join(cell["source"]).splitlines() if l.strip() and not l.startswith("#|")]


def stats(path: Path) -> dict:
    cells = json.loads(path.read_text())["cells"]
    md = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    code = [c for c in cells if c["cell_type"] == "code"]
    outputs = [o for c in code for o in c.get("outputs", [])]
    exercises = next((m.split("Exercises", 1)[1] for m in md if re.search(r"(?m)^#+ Exercises", m)), "")
    exercises = re.split(r"(?m)^#|<details>", exercises)[0]  # up to the next heading or the answers
    unexplained = [  # a code cell of more than one line that follows another code cell
        "".join(c["source"]).splitlines()[0]
        for prev, c in zip(cells, cells[1:])
        if c["cell_type"] == "code" and prev["cell_type"] == "code" and len(code_lines(c)) > 1
        and not "".join(c["source"]).startswith(("#| default_exp", "#| hide"))
        and not "".join(prev["source"]).startswith("#| default_exp")
    ]
    return {
        "words": sum(prose_words(m) for m in md),
        "figures": sum(any(t in o.get("data", {}) for t in FIGURE_TYPES) for o in outputs),
        "widgets": sum("interact(" in "".join(c["source"]) for c in code),
        "exercises": len(re.findall(r"(?m)^\s*\d+\.\s", exercises)),
        "answers": any("<details>" in m and "Answers" in m for m in md),
        "colab": "colab-badge" in md[0] and any("google.colab" in "".join(c["source"]) for c in code[:2]),
        "unexplained": unexplained,
    }


def render_one(path: Path) -> tuple[str, float, str]:
    script = (
        "import os, sys\nfrom execnb.shell import read_nb, write_nb, CaptureShell\n"
        "p = os.path.abspath(sys.argv[1]); os.chdir(os.path.dirname(p)); nb = read_nb(p)\n"
        "skip = lambda cell: cell.cell_type == 'code' and '#| eval: false' in cell.source\n"
        "CaptureShell().run_all(nb, exc_stop=True, preproc=skip); write_nb(nb, p)\n"
    )
    t = time.time()
    r = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                       env={**os.environ, "OMP_NUM_THREADS": "1"})
    secs = time.time() - t
    print(f"{path.name}: {'ok' if r.returncode == 0 else 'FAILED'} in {secs:.0f} s", flush=True)
    return path.name, secs, "" if r.returncode == 0 else (r.stdout + r.stderr)[-3000:]


def render(paths: list[Path]):
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    with ThreadPoolExecutor(2) as pool:
        for name, secs, err in pool.map(render_one, paths):
            if err:
                print(err, file=sys.stderr)
            else:
                times[name] = round(secs)
    TIMES.write_text(json.dumps(dict(sorted(times.items())), indent=1) + "\n")


def table() -> str:
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    rows = ["| chapter | words | figures | widgets | exercises | CPU time |", "|---|---:|---:|---:|---:|---:|"]
    for p in chapters():
        s, t = stats(p), times.get(p.name)
        when = "" if t is None else f"{t} s" if t < 120 else f"{t / 60:.0f} min"
        counts = f"{s['words']:,} | {s['figures']} | {s['widgets']} | {s['exercises']}"
        rows.append(f"| [{p.stem}](nbs/{p.name}) | {counts} | {when} |")
    return "\n".join(rows)


if __name__ == "__main__":
    if "--render" in sys.argv:
        names = [a for a in sys.argv[1:] if not a.startswith("--")]
        render([p for p in chapters() if not names or p.name in names or p.stem in names])
    print(table())
