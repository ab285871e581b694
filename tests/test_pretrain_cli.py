"""`nanollama pretrain` as a user runs it: resume exactness, bad input, and the same command under torchrun."""
import json, os, subprocess, sys

import pytest

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
TINY = ["--preset", "nanollama-tiny", "--steps", "6", "--tokens-per-step", "2048", "--precision", "fp32"]


def run(*args, torchrun=False, timeout=900):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29533", "-m", "nanollama.cli"] \
        if torchrun else ["nanollama"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, env=ENV, timeout=timeout)


def losses(d):
    return [json.loads(l)["loss"] for l in (d / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    d = tmp_path_factory.mktemp("straight")
    r = run("pretrain", *TINY, "--out", str(d))
    assert r.returncode == 0, r.stderr[-3000:]
    return d


def test_stop_after_then_resume_is_identical(straight, tmp_path):
    r = run("pretrain", *TINY, "--out", str(tmp_path), "--stop-after", "3")
    assert r.returncode == 0, r.stderr[-3000:]
    assert len(losses(tmp_path)) == 3
    r = run("pretrain", *TINY, "--out", str(tmp_path), "--resume")
    assert r.returncode == 0, r.stderr[-3000:]
    assert losses(tmp_path) == losses(straight)
    assert (tmp_path / "model.safetensors").is_file() and (tmp_path / "tokenizer.json").is_file()


def test_torchrun_two_processes_match(straight, tmp_path):
    r = run("pretrain", *TINY, "--out", str(tmp_path), torchrun=True)
    assert r.returncode == 0, r.stderr[-3000:]
    ours, ref = losses(tmp_path), losses(straight)
    assert len(ours) == len(ref) == 6                     # every step logged on both sides (zip alone would pass a short run)
    assert all(abs(a - b) < 1e-5 for a, b in zip(ours, ref))


def test_output_dir_holding_a_run_needs_resume(straight):
    r = run("pretrain", *TINY, "--out", str(straight))
    assert r.returncode == 2 and "already holds a run" in r.stderr and "Traceback" not in r.stderr


def test_resume_without_checkpoint(tmp_path):
    r = run("pretrain", *TINY, "--out", str(tmp_path / "new"), "--resume")
    assert r.returncode == 2 and "no checkpoint" in r.stderr


def test_grad_accum_and_checkpointing_match_the_plain_run(straight, tmp_path):
    "2 micro-batches per step with every block recomputed in backward: the same losses as the plain run (fp32)."
    r = run("pretrain", *TINY, "--out", str(tmp_path), "--grad-accum", "2", "--activation-checkpointing")
    assert r.returncode == 0, r.stderr[-3000:]
    ours, ref = losses(tmp_path), losses(straight)
    assert len(ours) == len(ref) == 6 and all(abs(a - b) < 1e-5 for a, b in zip(ours, ref))


def test_grad_accum_that_does_not_divide_is_refused(tmp_path):
    r = run("pretrain", *TINY, "--out", str(tmp_path / "o"), "--grad-accum", "3")
    assert r.returncode == 2 and "do not split into 3 micro-batches" in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and not (tmp_path / "o").exists()       # one line, nothing started


def test_hub_data_source_offline_is_one_line(tmp_path):
    "--data-source hub really reads the hub (HF_HUB_OFFLINE=1 here): an unreachable hub is one line, not a traceback."
    r = run("pretrain", *TINY, "--out", str(tmp_path / "o"), "--data-source", "hub")
    assert r.returncode == 2 and "fineweb-edu" in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]


def test_unknown_preset_lists_presets(tmp_path):
    r = run("pretrain", "--preset", "gpt-5", "--out", str(tmp_path))
    assert r.returncode == 2 and "nanollama-tiny" in r.stderr


def test_bad_data_files(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"no_text": 1}\nnot json\n\xff\xfe\n')
    r = run("pretrain", *TINY, "--out", str(tmp_path / "o"), "--data", str(bad))
    assert r.returncode == 2 and "no usable documents" in r.stderr


def test_grad_accum_that_does_not_split_across_processes_is_refused(tmp_path):
    "8 sequences per step on 2 processes leave 4 each: 8 micro-batches cannot be cut from them, and nothing starts."
    r = run("pretrain", *TINY, "--out", str(tmp_path / "o"), "--grad-accum", "8", torchrun=True)
    assert r.returncode != 0 and "do not split into 8 micro-batches x 2 processes" in r.stderr, r.stderr[-2000:]
    assert not (tmp_path / "o").exists()


def test_variants_train_and_say_they_cannot_be_exported(straight, tmp_path):
    "--variant qknorm,muon trains (different losses from the plain run), and says in one line why there is no HF dir."
    r = run("pretrain", *TINY, "--out", str(tmp_path), "--variant", "qknorm,muon")
    assert r.returncode == 0, r.stderr[-3000:]
    assert len(losses(tmp_path)) == 6 and losses(tmp_path) != losses(straight)
    assert "variant(s) qknorm cannot be written as a transformers Llama" in r.stderr and r.stderr.count("cannot be written") == 1
    assert (tmp_path / "variant_model.pt").is_file() and not (tmp_path / "config.json").exists()
    r = run("export", "--model", str(tmp_path), "--out", str(tmp_path / "x.gguf"))       # nothing that loads as another model
    assert r.returncode == 2 and "variant(s) qknorm, muon" in r.stderr and not (tmp_path / "x.gguf").exists()


def test_unknown_variant_is_one_line(tmp_path):
    r = run("pretrain", *TINY, "--out", str(tmp_path / "o"), "--variant", "qknorm,gpt5")
    assert r.returncode == 2 and "unknown variant(s) gpt5; choose from qknorm" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_ctrl_c_at_a_random_step_then_resume_is_bit_identical(straight, tmp_path):
    """Ctrl-C during pre-training: the step finishes, a checkpoint is written, one line says how to continue (exit
    130); `--resume` ends with the uninterrupted run's losses and bit-identical weights."""
    from test_agent_cli import interrupt_at_random_step, same_weights
    args = ["pretrain", *TINY]
    rc, err, k, seed = interrupt_at_random_step(args, tmp_path, 6)
    last = err.strip().splitlines()[-1]
    assert rc == 130 and "Traceback" not in err and "interrupted after step" in last and "--resume" in last, (seed, err[-2000:])
    assert k <= int((tmp_path / "train_state" / "COMPLETE").read_text()) < 6, seed
    r = run("pretrain", *TINY, "--out", str(tmp_path), "--resume")
    assert r.returncode == 0, r.stderr[-3000:]
    assert losses(tmp_path) == losses(straight) and same_weights(tmp_path, straight), seed


def test_a_second_process_on_the_same_out_is_refused(straight, tmp_path):
    "While one process trains into DIR (its lock held), another command on DIR says who holds it, in one line."
    import shutil
    d = tmp_path / "run"
    shutil.copytree(straight, d)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom nanollama.checkpoint import run_lock\n"
                               "with run_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(120)", str(d)],
                              stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = run("pretrain", *TINY, "--out", str(d), "--resume")
        assert r.returncode == 2 and f"is in use by PID {holder.pid}" in r.stderr and r.stderr.strip().count("\n") == 0, r.stderr
    finally:
        holder.kill()
    r = run("pretrain", *TINY, "--out", str(d), "--resume")    # the holder is gone: the lock went with it
    assert r.returncode == 0, r.stderr[-2000:]
