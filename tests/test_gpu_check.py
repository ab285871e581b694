"""scripts/gpu_check.sh rehearsed on the CPU: every command it runs parses and runs (two gloo processes stand in for
two GPUs), and its last step prints tokens/s per stage. On a CUDA machine the same script runs at full size."""
import os, subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_check_rehearsal_on_cpu(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "GPU_CHECK_DEVICE": "cpu", "GPU_CHECK_PROCS": "2",
           "GPU_CHECK_SMALL": "1"}
    r = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh"), str(tmp_path / "run")], capture_output=True, text=True,
                       env=env, timeout=1500)
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-3000:])
    table = r.stdout[r.stdout.index("stage"):]
    assert all(f"\n{s} " in table for s in ("base", "sft", "dpo")), table
    assert "every stage ran" in r.stdout and (tmp_path / "run" / "eval.json").is_file()
    assert '"final_answer"' in (tmp_path / "run" / "agent.json").read_text()
