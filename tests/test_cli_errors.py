"""Every bad input a demanding user tried (issue: "nothing lost, nothing hangs"), as one table: the command, the exit
code it must give, and words its last stderr line must hold — one line, no traceback, nothing started. The commands
run in this process through `nanollama.cli.main` (fast: the model files are tiny); each case gets a fresh working
directory and its own settings file."""
import json, os, shutil, subprocess, sys

import pytest

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A 2-step pre-trained tiny model, a 2-step SFT run from it, and damaged copies: each the way a user's disk or
    editor damages a model directory."""
    import gguf, numpy as np, torch
    from nanollama.config import get_preset
    from nanollama.model import NanoLlama
    from transformers import AutoTokenizer

    d = tmp_path_factory.mktemp("models")
    run = lambda *a: subprocess.run(["nanollama", *a], capture_output=True, text=True, env=ENV, timeout=900)
    r = run("pretrain", "--preset", "nanollama-tiny", "--out", str(d / "base"), "--steps", "2", "--tokens-per-step", "2048")
    assert r.returncode == 0, r.stderr[-3000:]
    r = run("sft", "--init", str(d / "base"), "--out", str(d / "sft"), "--steps", "2", "--examples", "20", "--batch-size", "2",
            "--checkpoint-every", "1")
    assert r.returncode == 0, r.stderr[-3000:]

    def damaged(name, edit):
        shutil.copytree(d / "base", d / name, ignore=shutil.ignore_patterns("train_state*", "metrics.jsonl", ".lock"))
        edit(d / name)

    def config(change):
        def edit(p):
            cfg = json.loads((p / "config.json").read_text())
            change(cfg)
            (p / "config.json").write_text(json.dumps(cfg))
        return edit

    damaged("truncated", lambda p: (p / "model.safetensors").write_bytes((p / "model.safetensors").read_bytes()[:300]))
    damaged("empty", lambda p: (p / "model.safetensors").write_bytes(b""))
    damaged("no_hidden_size", config(lambda c: c.pop("hidden_size")))
    damaged("string_layers", config(lambda c: c.update(num_hidden_layers="two")))
    damaged("bad_json", lambda p: (p / "config.json").write_text("{not json"))

    def small_vocab(p):  # weights and config agree on 500 tokens; the tokenizer has 8,192
        small = NanoLlama(get_preset("nanollama-tiny", n_layers=1, dim=64, n_heads=2, n_kv_heads=1, ffn_dim=128, vocab_size=500))
        small.save_pretrained(p, tokenizer=AutoTokenizer.from_pretrained(str(d / "base")))

    damaged("small_vocab", small_vocab)
    w = gguf.GGUFWriter(str(d / "no_heads.gguf"), "llama")  # a llama GGUF without attention head counts
    w.add_block_count(1)
    w.add_embedding_length(8)
    w.add_feed_forward_length(16)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_tensor("token_embd.weight", np.zeros((4, 8), np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    from nanollama.settings import load_settings
    with open(load_settings(os.path.join(ROOT, "settings.ini")).data_dir / "gsm8k" / "test.jsonl") as f:
        question = json.loads(f.readline())["question"]  # a real GSM8K test question, pasted into "training data"
    (d / "has_gsm8k.jsonl").write_text(json.dumps({"text": question}) + "\n")
    (d / "empty.txt").write_text("")
    (d / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (d / "adir").mkdir()
    torch.set_num_threads(1)
    return d


SETTINGS = {  # name -> settings.ini text
    "no_header": "seed = 3\n",
    "duplicate": "[nanollama]\nseed = 3\nseed = 4\n",
    "percent": "[nanollama]\nout_dir = runs%1\n",
    "seed_abc": "[nanollama]\nseed = abc\n",
    "misspelt": "[nanolama]\nseed = 3\n",
    "unknown_key": "[nanollama]\nsed = 3\n",
}

M = "{m}"  # the models fixture's directory, filled in per case
CASES = [  # (command, exit code, words in the last stderr line, settings file or None, environment)
    # 1. a run is never overwritten unasked; resuming needs a checkpoint and the same settings
    (["sft", "--init", f"{M}/base", "--out", f"{M}/sft", "--steps", "2"], 2, "already holds a run; pass --resume", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/base", "--steps", "2"], 2, "already holds a run", None, {}),
    (["dpo", "--init", f"{M}/sft", "--out", f"{M}/sft", "--steps", "2"], 2, "already holds a run", None, {}),
    (["pretrain", "--out", f"{M}/base", "--steps", "2"], 2, "already holds a run", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/fresh", "--resume"], 2, "no checkpoint in", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/sft", "--steps", "2", "--examples", "20", "--batch-size", "2", "--resume",
      "--lr", "0.5"], 2, "lr 0.001 -> 0.5", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/sft", "--steps", "3", "--examples", "20", "--batch-size", "2", "--resume"],
     2, "steps 2 -> 3", None, {}),
    (["sft", "--init", f"{M}/base", "--out", "/proc/nanollama-x", "--steps", "2"], 2, "cannot write /proc/nanollama-x", None, {}),
    # 3. every numeric flag has a range (no hang, no ZeroDivisionError/IndexError, nothing silently ignored)
    (["sft", "--init", f"{M}/base", "--out", f"{M}/x", "--batch-size", "-2"], 2, "--batch-size: -2 is out of range", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/x", "--batch-size", "0"], 2, "--batch-size: 0 is out of range", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/x", "--steps", "0"], 2, "--steps: 0 is out of range", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/x", "--steps", "-3"], 2, "--steps: -3 is out of range", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/x", "--checkpoint-every", "0"], 2, "--checkpoint-every: 0", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/x", "--examples", "0"], 2, "--examples: 0 is out of range", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/x", "--grad-accum", "-1"], 2, "--grad-accum: -1 is out of range", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/x", "--lr", "0"], 2, "--lr: 0 is out of range", None, {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/x", "--steps", "two"], 2, "--steps: 'two' is not an integer", None, {}),
    (["dpo", "--init", f"{M}/sft", "--out", f"{M}/x", "--steps", "-3"], 2, "--steps: -3 is out of range", None, {}),
    (["dpo", "--init", f"{M}/sft", "--out", f"{M}/x", "--pairs", "0"], 2, "--pairs: 0 is out of range", None, {}),
    (["dpo", "--init", f"{M}/sft", "--out", f"{M}/x", "--beta", "0"], 2, "--beta: 0 is out of range (must be > 0)", None, {}),
    (["dpo", "--init", f"{M}/sft", "--out", f"{M}/x", "--batch-size", "0"], 2, "--batch-size: 0", None, {}),
    (["pretrain", "--out", f"{M}/x", "--steps", "0"], 2, "--steps: 0 is out of range", None, {}),
    (["pretrain", "--out", f"{M}/x", "--steps", "-3"], 2, "--steps: -3 is out of range", None, {}),
    (["pretrain", "--out", f"{M}/x", "--checkpoint-every", "0"], 2, "--checkpoint-every: 0", None, {}),
    (["chat", "--model", f"{M}/base", "--prompt", "hi", "--max-new-tokens", "0"], 2, "--max-new-tokens: 0 is out of range", None, {}),
    (["chat", "--model", f"{M}/base", "--prompt", "hi", "--temperature", "-1"], 2, "--temperature: -1 is out of range", None, {}),
    (["chat", "--model", f"{M}/base", "--prompt", "hi", "--repetition-penalty", "0"], 2, "--repetition-penalty: 0", None, {}),
    (["chat", "--model", f"{M}/base", "--prompt", "hi", "--top-p", "2"], 2, "--top-p: 2 is out of range (must be > 0 and <= 1)", None, {}),
    (["chat", "--model", f"{M}/base", "--prompt", "hi", "--top-k", "0"], 2, "--top-k: 0 is out of range", None, {}),
    (["eval", "--model", f"{M}/base", "--num-fewshot", "-2"], 2, "--num-fewshot: -2 is out of range", None, {}),
    (["eval", "--model", f"{M}/base", "--batch-size", "0"], 2, "--batch-size: 0 is out of range", None, {}),
    (["eval", "--model", f"{M}/base", "--limit", "0"], 2, "--limit: 0 is out of range", None, {}),
    (["eval", "--model", f"{M}/base", "--out", "/proc/x"], 2, "cannot write /proc/x", None, {}),
    (["eval", "--model", f"{M}/base", "--agent", "--problems", "0"], 2, "--problems: 0 is out of range", None, {}),
    (["eval", "--model", f"{M}/base", "--agent", "--split", "hard"], 2, "invalid choice: 'hard'", None, {}),
    (["eval", "--model", f"{M}/truncated", "--agent"], 2, "model.safetensors is damaged", None, {}),
    (["demo", "--model", f"{M}/base", "--port", "99999"], 2, "--port: 99999 is out of range", None, {}),
    (["chat", "--model", f"{M}/base", "--threads", "0"], 2, "--threads: 0 is out of range", None, {}),
    # 3. damaged model directories and GGUFs: named, with what is wrong
    (["chat", "--model", f"{M}/truncated", "--prompt", "hi"], 2, "model.safetensors is damaged", None, {}),
    (["chat", "--model", f"{M}/empty", "--prompt", "hi"], 2, "model.safetensors is damaged", None, {}),
    (["chat", "--model", f"{M}/no_hidden_size", "--prompt", "hi"], 2, "config.json lacks 'hidden_size'", None, {}),
    (["chat", "--model", f"{M}/string_layers", "--prompt", "hi"], 2, "num_hidden_layers must be a positive integer, not 'two'", None, {}),
    (["chat", "--model", f"{M}/bad_json", "--prompt", "hi"], 2, "error:", None, {}),
    (["chat", "--model", f"{M}/small_vocab", "--prompt", "hi"], 2, "the tokenizer has 8,192 tokens but the model's vocab_size is 500", None, {}),
    (["chat", "--model", f"{M}/no_heads.gguf", "--prompt", "hi"], 2, "lacks llama.attention.head_count", None, {}),
    (["export", "--model", f"{M}/truncated", "--out", f"{M}/x.gguf"], 2, "model.safetensors is damaged", None, {}),
    (["export", "--model", f"{M}/no_hidden_size", "--out", f"{M}/x.gguf"], 2, "config.json lacks 'hidden_size'", None, {}),
    (["export", "--model", f"{M}/base", "--out", f"{M}/adir"], 2, "it is a directory", None, {}),
    (["demo", "--model", f"{M}/empty"], 2, "model.safetensors is damaged", None, {}),
    (["demo", "--model", f"{M}/base", "--models", f"{M}/nothing"], 2, "is neither 'smollm2'", None, {}),
    (["sft", "--init", f"{M}/string_layers", "--out", f"{M}/x"], 2, "num_hidden_layers must be a positive integer", None, {}),
    (["sft", "--init", f"{M}/truncated", "--out", f"{M}/x"], 2, "model.safetensors is damaged", None, {}),
    # 3. no silent drop: conversations too long for --seq-len are counted and said (the run goes on)
    (["sft", "--init", f"{M}/base", "--out", f"{M}/short_rows", "--seq-len", "64", "--steps", "1", "--examples", "20",
      "--batch-size", "2"], 0, "are longer than 64 tokens and are left out", None, {}),
    # 3. no silent zero: decontamination that read nothing is an error, with what it skipped
    (["decontam", "--train", f"{M}/has_gsm8k.jsonl", "--bench", "gsm8k"], 0, "1 share a 13-gram", None, {}),
    (["decontam", "--train", f"{M}/has_gsm8k.jsonl", "--field", "body", "--bench", "gsm8k"], 2,
     "(1 row without 'body'); is --field 'body' right?", None, {}),
    (["decontam", "--train", f"{M}/empty.txt", "--bench", "gsm8k"], 2, "no document read", None, {}),
    (["decontam", "--train", f"{M}/binary.bin", "--bench", "gsm8k"], 2, "1 binary file", None, {}),
    (["decontam", "--train", f"{M}/adir", "--bench", "gsm8k"], 2, "no document read", None, {}),
    (["decontam", "--train", f"{M}/has_gsm8k.jsonl", "--bench", "gsm8k", "--out", "/proc/x.json"], 2, "cannot write /proc/x.json", None, {}),
    # 3. every settings.ini problem named with its key and file
    (["chat", "--model", "/no/such/model", "--prompt", "hi"], 2, "settings file", "no_header", {}),
    (["chat", "--model", "/no/such/model", "--prompt", "hi"], 2, "seed", "duplicate", {}),
    (["chat", "--model", "/no/such/model", "--prompt", "hi"], 2, "is neither 'smollm2'", "percent", {}),  # a % is a character
    (["chat", "--model", "/no/such/model", "--prompt", "hi"], 2, "setting seed = 'abc' is not an integer", "seed_abc", {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/x"], 2, "setting seed = 'abc' is not an integer", "seed_abc", {}),
    (["chat", "--model", "/no/such/model", "--prompt", "hi"], 2, "has no [nanollama] section (it has [nanolama])", "misspelt", {}),
    (["chat", "--model", "/no/such/model", "--prompt", "hi"], 2, "unknown setting(s) ['sed']", "unknown_key", {}),
    (["sft", "--init", f"{M}/base", "--out", f"{M}/x"], 2, "the environment variable NANOLLAMA_SEED", None, {"NANOLLAMA_SEED": "x1"}),
]


def case_id(case):
    cmd, _, _, settings, env = case
    return "-".join([*(a.replace(f"{M}/", "") for a in cmd[:3]), *(cmd[3:][-2:]), settings or "", *env])[:80]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_bad_input_is_one_line(case, models, tmp_path, monkeypatch, capsys):
    from nanollama.cli import main

    cmd, code, words, settings, env = case
    monkeypatch.chdir(tmp_path)
    ini = tmp_path / "settings.ini"
    if settings:
        ini.write_text(SETTINGS[settings])
    else:
        ini = os.path.join(ROOT, "settings.ini")  # the repository's: its relative paths resolve beside it
    monkeypatch.setenv("NANOLLAMA_SETTINGS", str(ini))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    before = sorted(p.name for p in models.iterdir())
    try:
        got = main([a.replace(M, str(models)) for a in cmd])
    except SystemExit as e:  # argparse
        got = e.code
    out, err = capsys.readouterr()
    assert got == code, (got, err[-2000:])
    assert "Traceback" not in err
    if code:
        assert words in err.strip().splitlines()[-1], err[-2000:]
        assert err.strip().count("\n") == 0, err  # one line
        assert sorted(p.name for p in models.iterdir()) == before  # nothing started: no new run directory
    else:
        assert words in out + err
