"""The learner's main window: a chapter opened in JupyterLab (`make lab`) in a real headless Chromium, run from the
menu, shows its figures and a live ipywidgets slider that redraws the figure when moved.

Set NANOLLAMA_UPDATE_SCREENSHOT=1 to rewrite docs/jupyterlab.png (the README shows it).
"""
import json, os, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
CHAPTER = "01_rope.ipynb"  # a light chapter with figures and a widget (the RoPE angle explorer)

try:
    from playwright import sync_api as playwright
except ImportError:  # CI installs it (scripts/setup.sh): there, a missing one fails
    if os.environ.get("CI"):
        raise
    pytest.skip("playwright is not installed (pip install playwright)", allow_module_level=True)
if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    "JupyterLab serving a copy of the chapter with its outputs stripped (whatever shows up, this run made)."
    nb = json.loads((ROOT / "nbs" / CHAPTER).read_text())
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            c["outputs"], c["execution_count"] = [], None
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / CHAPTER).write_text(json.dumps(nb))
    port = free_port()
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))  # no news prompt
    env = {**os.environ, "OMP_NUM_THREADS": "1", "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"), "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings")}
    args = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--allow-root",
            "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={tmp_path / 'course'}",
            "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "lab.log", "w"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:  # wait until the server answers
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2)
            break
        except OSError:
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "lab.log").read_text()[-3000:]
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_chapter_runs_in_jupyterlab_with_figures_and_a_live_widget(lab, tmp_path):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{lab}/lab/tree/{CHAPTER}", timeout=120_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)  # the kernel has started
        # Run > Run All Cells, from the menu a learner would use
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        slider = page.locator(".jp-OutputArea-output .widget-slider").first
        slider.wait_for(timeout=300_000)  # the widget rendered live (ipywidgets' JupyterLab extension works)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=300_000)
        figures = page.locator(".jp-OutputArea-output img")
        assert figures.count() >= 2, figures.count()  # matplotlib figures rendered as images
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert "Traceback" not in " ".join(errors.all_inner_texts())
        assert page.locator(".jp-OutputArea-output", has_text="Error").count() == 0
        # move the slider: the widget's figure is redrawn by the kernel
        widget = page.locator(".jp-OutputArea-output .widget-interact").first
        before = widget.locator("img").first.get_attribute("src")
        handle = widget.locator(".noUi-handle").first
        handle.focus()
        page.keyboard.press("ArrowRight")
        deadline = time.time() + 60
        while widget.locator("img").first.get_attribute("src") == before:
            assert time.time() < deadline, "the figure did not change when the slider moved"
            time.sleep(0.5)
        widget.scroll_into_view_if_needed()
        page.screenshot(path=tmp_path / "jupyterlab.png")
        if os.environ.get("NANOLLAMA_UPDATE_SCREENSHOT"):
            shutil.copy(tmp_path / "jupyterlab.png", ROOT / "docs" / "jupyterlab.png")
        browser.close()
