"""The headline result over several seeds: the speedrun's agent with and without its tool, base -> SFT -> DPO.

Runs the speedrun's training and evaluation stages (data, pre-training, SFT, DPO, eval; no GGUF export) once per seed,
each into its own folder (finished seeds are reused), then prints the speedrun's accuracy table as mean ± spread
(spread = half the range over seeds). The evaluation problems are the same for every seed (chapter 04b's fixed set);
the seed changes the model's initialisation, the training data drawn and its order.

    python benchmarks/bench_agent.py --out runs/bench_agent [--seeds 1337,1,2] [--smoke]
"""
import argparse, json
from dataclasses import replace
from pathlib import Path

SPLITS = ("seen wordings", "unseen wordings", "two-step")
STAGES = ("data", "pretrain", "sft", "dpo", "eval")


def cells(ev: dict) -> dict:
    "The table's numbers for one seed: {(row, column): value}."
    out = {}
    for stage in ("sft", "dpo"):
        r = ev.get(stage, {})
        for s in SPLITS:
            out[(stage, f"{s}, tool")] = r.get(f"agent ({s})", {}).get("accuracy")
            out[(stage, f"{s}, no tool")] = r.get(f"no tool ({s})", {}).get("accuracy")
        out[(stage, "parse, unconstrained")] = r.get("agent unconstrained (seen wordings)", {}).get("parse_rate")
        out[(stage, "right operation")] = r.get("agent (seen wordings)", {}).get("right_operation")
        out[(stage, "operands copied")] = r.get("agent (seen wordings)", {}).get("operands_copied")
    for s in SPLITS: out[("SmolLM2-135M-Instruct", f"{s}, no tool")] = ev.get("reference", {}).get(s, {}).get("accuracy")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/bench_agent")
    ap.add_argument("--seeds", default="1337,1,2")
    ap.add_argument("--smoke", action="store_true", help="the speedrun's smoke scale (checks the script, not the model)")
    a = ap.parse_args()
    from nanollama.pipeline import Speedrun, SpeedrunConfig, SMOKE
    seeds = [int(s) for s in a.seeds.split(",")]
    runs = {}
    for seed in seeds:
        cfg = replace(SMOKE if a.smoke else SpeedrunConfig(), seed=seed)
        res = Speedrun(Path(a.out) / f"seed{seed}", cfg, resume=True).run(STAGES)
        runs[seed] = cells(res["eval"])
        print(f"seed {seed}: " + ", ".join(f"{k[0]} {k[1]} {v:.2f}" for k, v in runs[seed].items() if v is not None and "tool" in k[1]))
    keys = list(runs[seeds[0]])
    rows = sorted({k[0] for k in keys}, key=["sft", "dpo", "SmolLM2-135M-Instruct"].index)
    cols = list(dict.fromkeys(k[1] for k in keys))
    def stat(k):
        v = [runs[s][k] for s in seeds if runs[s].get(k) is not None]
        if not v: return "–"
        mean, spread = sum(v) / len(v), (max(v) - min(v)) / 2
        return f"{100 * mean:.1f} ± {100 * spread:.1f}%"
    print(f"\nagent accuracy, mean ± half-range over seeds {seeds} ({'smoke' if a.smoke else 'default'} scale)\n")
    print("| model | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for r in rows: print(f"| {r} | " + " | ".join(stat((r, c)) for c in cols) + " |")
    (Path(a.out) / "bench_agent.json").write_text(json.dumps({str(s): {f"{k[0]} / {k[1]}": v for k, v in c.items()} for s, c in runs.items()}, indent=1))


if __name__ == "__main__":
    main()
