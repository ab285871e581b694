"""The headline result: does a tiny model reason better with a tool? Pre-train -> SFT -> measure, in one run.

On held-out arithmetic word problems the model never saw (same templates with new numbers, and unseen wordings):
final-answer accuracy with the tool vs without it (the <|tool_call|> token banned), and the share of tool calls that
parse with and without constrained decoding.

    python benchmarks/bench_agent.py --out runs/agent [--pretrain-steps 100] [--sft-steps 250] [--problems 100]
"""
import argparse, json, random, re, subprocess, sys, time
from pathlib import Path


def last_number(text):
    m = re.findall(r"-?\d[\d,]*\.?\d*", text or "")
    return m[-1].replace(",", "").rstrip(".") if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/agent")
    ap.add_argument("--pretrain-steps", type=int, default=100)
    ap.add_argument("--sft-steps", type=int, default=250)
    ap.add_argument("--problems", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    out = Path(a.out)
    t0 = time.time()
    if not (out / "base" / "config.json").exists():
        subprocess.run(["nanollama", "pretrain", "--preset", "nanollama-tiny", "--out", str(out / "base"),
                        "--steps", str(a.pretrain_steps), "--threads", str(a.threads)], check=True)
    t1 = time.time()
    if not (out / "sft" / "config.json").exists():
        subprocess.run(["nanollama", "sft", "--init", str(out / "base"), "--out", str(out / "sft"), "--steps", str(a.sft_steps),
                        "--seq-len", "384", "--threads", str(a.threads)], check=True)
    t2 = time.time()
    import torch
    torch.set_num_threads(a.threads)
    from nanollama.pretrained import load_model_and_tokenizer
    from nanollama.agent import Agent
    from nanollama.sft import arithmetic_problem, TRAIN_TEMPLATES, HELDOUT_TEMPLATES
    model, tok = load_model_and_tokenizer(out / "sft")
    rows, samples = {}, {}
    for split, templates in (("seen wordings, new numbers", TRAIN_TEMPLATES), ("unseen wordings", HELDOUT_TEMPLATES)):
        rng = random.Random(12345)
        problems = [arithmetic_problem(rng, templates) for _ in range(a.problems)]
        for name, kw in (("with tool (constrained)", dict(use_tools=True)), ("with tool (unconstrained)", dict(constrained=False)),
                         ("without tool", dict(use_tools=False))):
            agent = Agent(model, tok, max_steps=3, max_new_tokens=96, **kw)
            right = calls = parsed = 0
            for q, expr in problems:
                tr = agent.run(q)
                right += last_number(tr.final_answer) == str(eval(expr))
                for s in tr.steps:
                    if s.raw_tool_call is not None: calls += 1; parsed += s.tool_call is not None
            rows[(split, name)] = {"accuracy": right / len(problems), "tool calls": calls, "parsed": parsed / calls if calls else float("nan")}
            samples.setdefault(split, tr.to_dict())
    t3 = time.time()
    print(f"\npre-train {t1 - t0:.0f}s, SFT {t2 - t1:.0f}s, evaluation {t3 - t2:.0f}s; {a.problems} problems per split\n")
    print("| problems | agent | final-answer accuracy | tool calls | tool calls that parse |")
    print("|---|---|---|---|---|")
    for (split, name), r in rows.items():
        print(f"| {split} | {name} | {100 * r['accuracy']:.1f}% | {r['tool calls']} | {100 * r['parsed']:.1f}% |")
    (out / "agent_results.json").write_text(json.dumps({"rows": {f"{k[0]} / {k[1]}": v for k, v in rows.items()}, "samples": samples}, indent=1))


if __name__ == "__main__":
    main()
