"""The glass-box demo (nbs/16_glass_box_demo.ipynb) in a real headless Chromium: Debian `chromium` + pip `playwright`.

A `ReplayAgent` makes the turns deterministic (the tool still runs in the sandbox). Set NANOLLAMA_UPDATE_SCREENSHOT=1
to rewrite docs/demo.png from the speedrun's agent (a real model generating, greedy: it answers the example right,
with the numbers bound by the sandbox and the answer returned by `final_answer`; the probability panel shows how sure
it was).
"""
import os, random, shutil, time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]
EVIL = ['<img src=x onerror=alert(1)>', '<script>alert(2)</script>', '<img src=x onerror="window.__pwned=1">',
        '<script>window.__pwned=2</script>', '<svg onload=alert(3)>']

try: from playwright import sync_api as playwright
except ImportError:                                      # CI installs it (scripts/setup.sh): there, a missing one fails
    if os.environ.get("CI"): raise
    pytest.skip("playwright is not installed (pip install playwright)", allow_module_level=True)
if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"): raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-color-emoji")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def tok_and_tiny():
    import torch
    from nanollama.config import get_preset
    from nanollama.data import training_corpus
    from nanollama.model import NanoLlama
    from nanollama.tokenizer import train_tokenizer
    torch.set_num_threads(1)
    tok = train_tokenizer((t for v in training_corpus()[1].values() for t in v[:300]), vocab_size=2048)
    return tok, NanoLlama(get_preset("nanollama-tiny", n_layers=1, vocab_size=len(tok), max_seq_len=512)).eval()


def serve(**kw):
    from nanollama.demo import launch
    return launch(port=None, block=False, **kw)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def ask(page, url, question):
    page.goto(url)
    box = page.locator("#msg textarea")
    box.wait_for(timeout=30_000)
    box.fill(question)
    box.press("Enter")


def thought_title(page):
    return page.locator("#chat [role=button]", has_text="💭 Thought").first


def test_thought_tool_call_answer_and_screenshot(browser, tok_and_tiny, tmp_path):
    from nanollama.demo import ReplayAgent
    from nanollama.tokenizer import assistant_content
    tok, tiny = tok_and_tiny
    script = [assistant_content("4821 * 37 is too big to do in my head; use the tool.", code="print(4821 * 37)"),
              assistant_content("The tool printed 178377.", answer="4821 * 37 = 178377.")]
    demo = serve(agent=ReplayAgent(script, tok, tiny, delay=0.005))
    try:
        t0 = time.perf_counter()
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        ask(page, demo.local_url, "What is 4821 * 37?")
        chat = page.locator("#chat")
        chat.get_by_text("🛠️ Tool call: python").first.wait_for(timeout=30_000)
        chat.get_by_text("4821 * 37 = 178377.", exact=True).wait_for(timeout=30_000)
        print("tool call titles", chat.get_by_text("🛠️ Tool call: python").count(), chat.get_by_text("Thought").count())
        thought = "4821 * 37 is too big to do in my head; use the tool."
        assert not chat.get_by_text(thought).is_visible()                  # thoughts arrive closed...
        thought_title(page).click()
        chat.get_by_text(thought).wait_for(timeout=5_000)                  # ...and open on a click
        assert chat.get_by_text('{"name": "python", "arguments": {"code": "print(4821 * 37)"}}').first.is_visible()
        assert chat.locator("code", has_text="178377").first.is_visible()   # the sandbox's stdout
        assert "Tool output" in chat.inner_text()
        assert "mean p" in page.locator("#probs").inner_text()
        page.get_by_role("tab", name="Raw tokens").click()
        raw = page.locator("#raw textarea").input_value()
        assert "<|tool_call|>" in raw and "<|im_start|>tool\n178377" in raw
        page.get_by_role("tab", name="Probabilities").click()
        thought_title(page).scroll_into_view_if_needed()
        page.screenshot(path=tmp_path / "demo.png")
        assert (tmp_path / "demo.png").stat().st_size > 10_000
        print(f"browser round trip {time.perf_counter() - t0:.1f} s")
    finally:
        demo.close()


def test_model_html_is_shown_as_text_and_never_runs(browser, tok_and_tiny):
    from nanollama.demo import ReplayAgent
    from nanollama.tokenizer import THOUGHT_END, THOUGHT_START, TOOL_CALL
    import json
    tok, tiny = tok_and_tiny
    evil = " ".join(EVIL)
    call = json.dumps({"name": "python", "arguments": {"code": f"import sys; print({evil!r}); print({evil!r}, file=sys.stderr)"}})
    script = [f"{THOUGHT_START}{evil}{THOUGHT_END}{TOOL_CALL}{call}", f"{THOUGHT_START}done{THOUGHT_END}{evil} end."]
    demo = serve(agent=ReplayAgent(script, tok, tiny))
    try:
        page = browser.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.add_init_script("window.__pwned = 0")
        ask(page, demo.local_url, f"Say {evil}")
        chat = page.locator("#chat")
        chat.get_by_text("end.", exact=False).last.wait_for(timeout=30_000)
        thought_title(page).click()
        page.wait_for_timeout(1_000)                                         # give any injected handler time to fire
        assert dialogs == [] and page.evaluate("window.__pwned") == 0
        assert page.locator("#chat img[src=x], #chat svg[onload], #probs img, #probs script, #worst img").count() == 0
        assert page.evaluate("[...document.scripts].filter(s => s.textContent.includes('__pwned') || s.textContent.includes('alert(')).length") == 0
        text = chat.inner_text()
        for payload in EVIL: assert payload in text, payload                 # shown, as text
        assert EVIL[0] in page.locator("#probs").inner_text().replace("\n", "").replace("↵", "")
        page.get_by_role("tab", name="Raw tokens").click()
        assert EVIL[1] in page.locator("#raw textarea").input_value()
    finally:
        demo.close()


@pytest.mark.skipif(not os.environ.get("NANOLLAMA_UPDATE_SCREENSHOT"), reason="set NANOLLAMA_UPDATE_SCREENSHOT=1 to rewrite docs/demo.png")
def test_update_readme_screenshot(browser, tok_and_tiny, tmp_path):
    """The speedrun's agent (NANOLLAMA_SCREENSHOT_MODEL, default runs/speedrun/final) answering the demo's example
    question for real, greedy; without that model, a 2-layer agent fine-tuned for ~2 minutes."""
    import torch
    from nanollama.agent import run_python
    from nanollama.config import get_preset
    from nanollama.model import NanoLlama
    from nanollama.pretrained import load_model_and_tokenizer
    from dataclasses import replace
    from nanollama.sft import SFT_TRAIN, arithmetic_tool_examples, finetune
    run_dir = Path(os.environ.get("NANOLLAMA_SCREENSHOT_MODEL", ROOT / "runs" / "speedrun" / "final"))
    if (run_dir / "config.json").is_file():
        model, tok = load_model_and_tokenizer(run_dir)
    else:
        tok, _ = tok_and_tiny
        torch.manual_seed(0)
        model = NanoLlama(get_preset("nanollama-tiny", n_layers=2, vocab_size=len(tok), max_seq_len=512))
        examples = arithmetic_tool_examples(150, random.Random(0), run_python)
        tc = replace(SFT_TRAIN, steps=120, lr=2e-3)
        finetune(model, tok, examples, tmp_path / "agent", tc, batch_size=8, seq_len=256, progress=False)
    demo = serve(model=(model.eval(), tok))
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        ask(page, demo.local_url, "What is 4821 times 37?")
        chat = page.locator("#chat")
        chat.get_by_text("🛠️ Tool call: python").first.wait_for(timeout=60_000)
        chat.get_by_text("The answer is").last.wait_for(timeout=60_000)
        if (run_dir / "config.json").is_file():                              # the speedrun's agent answers it right
            assert chat.get_by_text("The answer is 178377.").count() >= 1, chat.inner_text()
        thought_title(page).click()
        page.wait_for_timeout(500)
        chat.get_by_text("The answer is").last.scroll_into_view_if_needed()      # the call, its output, the answer
        page.wait_for_timeout(300)
        page.screenshot(path=tmp_path / "demo.png")
        print(chat.inner_text())
        assert page.locator("#chat .thought-group .content").first.is_visible()     # the thought is open
        shutil.copy(tmp_path / "demo.png", ROOT / "docs" / "demo.png")
        assert (ROOT / "docs" / "demo.png").stat().st_size < 300_000
    finally:
        demo.close()
