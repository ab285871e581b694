"""The console script as a user runs it: a real subprocess, real exit codes, real stdout/stderr."""
import os, subprocess, sys

import pytest

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def run(*args, timeout=600):
    return subprocess.run(["nanollama", *args], capture_output=True, text=True, env=ENV, timeout=timeout)


def test_module_entry_point_matches_console_script():
    r = subprocess.run([sys.executable, "-m", "nanollama.cli", "--help"], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0 and "usage: nanollama" in r.stdout


@pytest.mark.parametrize("cmd", [[], ["chat"], ["pretrain"], ["sft"], ["dpo"], ["decontam"], ["eval"], ["export"], ["speedrun"], ["demo"]])
def test_help(cmd):
    r = run(*cmd, "--help")
    assert r.returncode == 0 and "usage: nanollama" in r.stdout


def test_unknown_command_lists_commands():
    r = run("fly")
    assert r.returncode == 2 and "chat" in r.stderr


def test_chat_missing_model_is_one_line():
    r = run("chat", "--model", "/no/such/model", "--prompt", "hi")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "neither 'smollm2'" in r.stderr and "Traceback" not in r.stderr


def test_chat_smollm2_answers_paris():
    r = run("chat", "--model", "smollm2", "--prompt", "What is the capital of France?")
    assert r.returncode == 0, r.stderr
    assert "Paris" in r.stdout


@pytest.mark.parametrize("dtype", ["bf16", "int8"])
def test_chat_smollm2_quantized_answers_paris(dtype):
    "`--dtype` really changes the weights (chapter 10b) and the model still answers; a bad dtype is refused by argparse."
    r = run("chat", "--model", "smollm2", "--dtype", dtype, "--prompt", "What is the capital of France?", "--max-new-tokens", "16")
    assert r.returncode == 0, r.stderr
    assert "Paris" in r.stdout and "falling back" not in r.stderr


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="the machine has CUDA")
@pytest.mark.parametrize("cmd", [["chat", "--model", "smollm2", "--prompt", "hi"], ["eval", "--model", "smollm2", "--tasks", "gsm8k"]])
def test_device_cuda_without_cuda_is_one_line(cmd):
    r = run(*cmd, "--device", "cuda")
    assert r.returncode == 2 and "CUDA is not available here" in r.stderr and r.stderr.strip().count("\n") == 0, r.stderr


def test_chat_bad_dtype_is_refused():
    r = run("chat", "--model", "smollm2", "--dtype", "int4", "--prompt", "hi")
    assert r.returncode == 2 and "invalid choice: 'int4'" in r.stderr


def test_chat_interactive_two_turns_then_eof():
    r = subprocess.run(["nanollama", "chat", "--model", "smollm2", "--max-new-tokens", "24"],
                       input="What is the capital of France?\nAnd of Italy?\n", capture_output=True, text=True,
                       env=ENV, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "Paris" in r.stdout and "Rome" in r.stdout


def test_export_q8_0_and_bad_type(tmp_path):
    out = tmp_path / "deep" / "smol.gguf"                      # a missing directory is created
    r = run("export", "--model", "smollm2", "--out", str(out), "--type", "q8_0")
    assert r.returncode == 0, r.stderr[-2000:]
    assert out.is_file() and out.with_suffix(".Modelfile").is_file()
    from gguf import GGUFReader
    assert GGUFReader(str(out)).fields["general.architecture"].contents() == "llama"
    r = run("export", "--model", "smollm2", "--out", str(tmp_path / "x.gguf"), "--type", "q3_xyz")
    assert r.returncode == 2 and "q4_k_m" in r.stderr and not (tmp_path / "x.gguf").exists()


def test_speedrun_1b_prints_the_plan_without_gpus():
    r = run("speedrun", "--preset", "nanollama-1b")
    assert r.returncode == 0 and "torchrun --nproc_per_node=8" in r.stdout and "GiB" in r.stdout


def test_speedrun_refuses_a_foreign_output_dir(tmp_path):
    (tmp_path / "notes.txt").write_text("someone else's files")
    r = run("speedrun", "--smoke", "--out", str(tmp_path))
    assert r.returncode == 2 and "holds no speedrun" in r.stderr


def test_decontam_report_format(tmp_path):
    import json as _json
    from nanollama.settings import load_settings                   # the data dir the CLI itself reads (settings.ini)
    q = _json.loads(open(load_settings().data_dir / "gsm8k" / "test.jsonl").readline())["question"]
    (tmp_path / "train.jsonl").write_text(_json.dumps({"id": "doc-1", "text": "Intro. " + q.upper() + " Outro."}) + "\n"
                                          + _json.dumps({"text": "nothing to see here at all"}) + "\n")
    r = run("decontam", "--train", str(tmp_path / "train.jsonl"), "--bench", "gsm8k", "--out", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stderr[-2000:]
    rep = _json.loads((tmp_path / "r.json").read_text())
    assert [(d["id"], d["benchmark"]) for d in rep["contaminated_docs"]] == [("doc-1", "gsm8k")] and "summary" in rep
    r = run("decontam", "--train", str(tmp_path / "train.jsonl"), "--bench", "hellaswag")
    assert r.returncode == 2 and "gsm8k" in r.stderr


def test_eval_unknown_task_lists_available():
    r = run("eval", "--model", "smollm2", "--tasks", "hellaswag")
    assert r.returncode == 2 and "mmlu" in r.stderr


def test_demo_missing_model_is_one_line():
    r = run("demo", "--model", "/no/such/dir")
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "neither 'smollm2'" in r.stderr


def test_demo_serves_smollm2_over_http():
    "`nanollama demo` as a user starts it: a real server process, asked over HTTP with gradio_client, then stopped."
    import socket, time
    from gradio_client import Client
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    proc = subprocess.Popen(["nanollama", "demo", "--model", "smollm2", "--port", str(port), "--threads", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**ENV, "GRADIO_ANALYTICS_ENABLED": "False"})
    try:
        deadline, client = time.monotonic() + 300, None
        while client is None:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the demo did not start in 300 s"
            try: client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            except Exception: time.sleep(2)
        chat = client.predict("What is the capital of France?", [], 0.0, 1.0, 24, True, 0, api_name="/chat")[1]
        assert chat[0]["role"] == "user" and "Paris" in str(chat[-1]["content"]), chat
    finally:
        proc.terminate(); proc.wait(timeout=30)


def test_chat_full_context_offers_reset():
    "A message longer than the context is refused with a hint to /reset; the session goes on and answers after it."
    r = subprocess.run(["nanollama", "chat", "--model", "smollm2", "--max-new-tokens", "24"],
                       input="word " * 6000 + "\n/reset\nWhat is the capital of France?\n", capture_output=True,
                       text=True, env=ENV, timeout=600)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert "does not fit the context" in r.stdout and "/reset to start over" in r.stdout and "Paris" in r.stdout


def test_ctrl_c_during_a_reply_stops_the_reply_not_the_session():
    "Ctrl-C while the model is answering ends that reply; the next question is answered; no traceback."
    import signal, threading, time
    p = subprocess.Popen(["nanollama", "chat", "--model", "smollm2", "--max-new-tokens", "400"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    out = bytearray()
    reader = threading.Thread(target=lambda: [out.extend(b) for b in iter(lambda: p.stdout.read1(256), b"")], daemon=True)
    reader.start()
    deadline = time.time() + 300
    while b"quit" not in out and time.time() < deadline:          # the greeting: the model is loaded
        time.sleep(0.1)
    p.stdin.write(b"Write a very long story about a cat who sails around the world.\n")
    p.stdin.flush()
    start = len(out)
    while len(out) < start + 80 and time.time() < deadline:       # the reply is streaming
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    time.sleep(1)
    p.stdin.write(b"What is the capital of France?\n")
    p.stdin.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=300) == 0 and "Traceback" not in err, err[-2000:]
    reader.join(timeout=10)
    text = out.decode(errors="replace")
    assert "(stopped" in text and "Paris" in text.split("(stopped", 1)[1], text[-2000:]
