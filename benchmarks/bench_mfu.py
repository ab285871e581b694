"""Where a training step's time goes: the default path's share of this CPU's BF16 matrix-multiply peak.

1. The peak, measured first: BF16 `torch.matmul` on the tiny preset's own weight shapes (q/o, k/v, gate/up, down, the
   head) for a micro-batch's tokens, the same threads; the best shape is the peak, the FLOP-weighted mix is printed too.
2. The default path: chapter 07's `fit` as the speedrun runs it (BF16 autocast, compiled blocks and compiled chunked
   loss, AdamW, clipping), nanollama-tiny, random tokens packed three documents to a row (document masks on), at
   16 x 256, 64 x 256 and 16 x 1,024 tokens per step. tokens/s is the median over the steps after the first three
   (compilation); FLOP/s counts matmuls and causal attention (`flops_per_token`: 6 per weight + attention).
3. One step of that path under torch.profiler (inductor's kernels profiled too), by category: matrix multiplies,
   attention, fused elementwise kernels (norms, activations, casts), the loss, the optimizer, other operators, and
   what no operator accounts for (Python, launches, the data).

    python benchmarks/bench_mfu.py [--threads 1] [--steps 10]
"""
import argparse, statistics, tempfile, time
from pathlib import Path

import torch


def matmul_peak(cfg, tokens: int, reps: int = 10, rounds: int = 5) -> tuple[float, float]:
    """(best shape's FLOP/s, FLOP-weighted FLOP/s over the model's shapes) for BF16 matmuls of `tokens` rows; each
    shape's best of `rounds` timings, so that a busy moment on a shared machine does not lower the peak."""
    d, kv, f, v = cfg.dim, cfg.kv_dim, cfg.ffn_dim, cfg.vocab_size
    shapes = [(d, d), (d, kv), (d, f), (f, d), (d, v)]  # q and o, k and v, gate and up, down, the head
    best, flops_all, time_all = 0.0, 0.0, 0.0
    for k, n in shapes:
        a, b = torch.randn(tokens, k, dtype=torch.bfloat16), torch.randn(k, n, dtype=torch.bfloat16)
        for _ in range(3):
            a @ b
        secs = float("inf")
        for _ in range(rounds):
            t = time.perf_counter()
            for _ in range(reps):
                a @ b
            secs = min(secs, (time.perf_counter() - t) / reps)
        flops = 2 * tokens * k * n
        best, flops_all, time_all = max(best, flops / secs), flops_all + flops, time_all + secs
    return best, flops_all / time_all


def random_packed_task(batch: int, seq: int, vocab: int):
    from nanollama.train import LMTask

    class RandomPacked(LMTask):
        "Random tokens, three documents per row (document masking on, as in pre-training)."

        name = "bench"

        def __init__(self):
            self.g = torch.Generator().manual_seed(0)

        def next_batch(self, model, step):
            x = torch.randint(0, vocab, (batch, seq + 1), generator=self.g)
            docs = (torch.arange(seq) * 3 // seq).expand(batch, seq)  # (batch, seq): 0, 0, ..., 1, ..., 2
            b = {"input_ids": x[:, :-1], "labels": x[:, 1:], "doc_ids": docs}
            return b, {"tokens": batch * seq, "seq_len": seq}

    return RandomPacked()


def default_path(cfg, batch: int, seq: int, steps: int) -> float:
    "Median tokens/s of `fit` (compiled, BF16) after the first three steps."
    from dataclasses import replace
    from nanollama.model import NanoLlama
    from nanollama.train import fit, get_recipe

    tc = replace(
        get_recipe("nanollama-tiny").train,
        steps=steps,
        tokens_per_step=batch * seq,
        context_ramp=(seq,) * 3,
        warmup_steps=1,
        checkpoint_every=10**9,
    )
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as d:
        hist = fit(NanoLlama(cfg), random_packed_task(batch, seq, cfg.vocab_size), tc, Path(d), progress=False, compile=True)
    return statistics.median(m["tokens_per_s"] for m in hist[3:])


CATEGORIES = [  # (category, substrings of an operator's or kernel's lower-cased name), first match wins
    ("loss (chunked cross-entropy + z-loss)", ("logsumexp", "cross_entropy", "log_softmax", "nll", "scatter", "gather")),
    ("attention (SDPA with the document mask)", ("attention", "sdpa", "flex")),
    ("matrix multiplies", ("aten::mm", "addmm", "bmm", "linear", "mkldnn", "matmul")),
    ("fused elementwise kernels (norms, activations, casts)", ("cpp_fused",)),
    ("optimizer and clipping (per tensor)", ("_foreach", "adam", "optimizer", "clip_grad", "lerp_", "addcdiv_",
                                             "aten::mul_", "aten::add_", "aten::div", "sqrt")),
    ("compiled-graph calls (Python wrappers)", ("compiledfxgraph", "compiled region")),
]


def profile_step(cfg, batch: int, seq: int) -> tuple[float, dict]:
    "(wall seconds, {category: seconds}) of one compiled BF16 step, self CPU time per category."
    from dataclasses import replace
    from torch.profiler import ProfilerActivity, profile
    from nanollama.model import NanoLlama
    from nanollama.train import compile_blocks, get_recipe, make_optimizer

    tc = replace(get_recipe("nanollama-tiny").train, tokens_per_step=batch * seq, context_ramp=(seq,) * 3)
    torch.manual_seed(0)
    model = NanoLlama(cfg).train()
    compile_blocks(model, True)
    opt, task = make_optimizer(model, tc), random_packed_task(batch, seq, cfg.vocab_size)

    def step():
        b, _ = task.next_batch(model, 0)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            objective, _ = task.loss(model, b, tc, True)
        (objective / task.units(b)).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(3):
        step()  # compile, then warm
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        t = time.perf_counter()
        step()
        wall = time.perf_counter() - t
    spent = {name: 0.0 for name, _ in CATEGORIES} | {"other operators": 0.0}
    for e in prof.key_averages():
        key = e.key.lower()
        cat = next((name for name, keys in CATEGORIES if any(k in key for k in keys)), "other operators")
        spent[cat] += e.self_cpu_time_total / 1e6
    spent["no operator (Python, launches, data)"] = max(0.0, wall - sum(spent.values()))
    return wall, spent


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    import torch._inductor.config as inductor

    inductor.cpp.enable_kernel_profile = True  # before anything compiles: inductor's kernels are named in the profile
    from nanollama.config import count_params, flops_per_token, get_preset

    cfg = get_preset("nanollama-tiny")
    best, mix = matmul_peak(cfg, 4096)
    print(f"\n### BF16 matmul peak on nanollama-tiny's shapes (4,096 rows, {a.threads} thread(s))\n")
    print(f"best shape {best / 1e12:.3f} TFLOP/s; FLOP-weighted over the model's shapes {mix / 1e12:.3f} TFLOP/s\n")
    rows = []
    print(f"### The default path (`fit`: compiled, BF16), {count_params(cfg) / 1e6:.1f}M parameters\n")
    print("| tokens per step | tokens/s | matmul + attention TFLOP/s | share of the peak |")
    print("|---|---|---|---|")
    for batch, seq in ((16, 256), (64, 256), (16, 1024)):
        tps = default_path(cfg, batch, seq, a.steps)
        rows.append((batch, seq, tps, tps * flops_per_token(cfg, seq)))
    again, _ = matmul_peak(cfg, 4096)  # measured again after the runs: the peak is the better of the two
    best = max(best, again)
    for batch, seq, tps, achieved in rows:
        print(f"| {batch} x {seq:,} | {tps:,.0f} | {achieved / 1e12:.3f} | {achieved / best:.0%} |")
    print(f"\n(peak measured before and after the runs; the better, {best / 1e12:.3f} TFLOP/s, is the denominator)")
    for batch, seq in ((16, 256), (16, 1024)):
        wall, spent = profile_step(cfg, batch, seq)
        print(f"\n### One step at {batch} x {seq:,} under torch.profiler: {wall * 1e3:.0f} ms\n")
        print("| where | ms | share |")
        print("|---|---|---|")
        for name, secs in sorted(spent.items(), key=lambda kv: -kv[1]):
            print(f"| {name} | {secs * 1e3:.0f} | {secs / wall:.0%} |")


if __name__ == "__main__":
    main()
