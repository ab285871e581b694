"""The Mamba variant at the tiny preset's size: one training step with chapter 18's scan vs the token-by-token loop.

Chapter 18's Mamba layers (every other block of the tiny preset, 8 × 256) train through `selective_scan`. The
reference is the scan as first written: a Python loop over time that slices `dt[:, t]`, `x[:, t]`, … inside the loop
(reproduced below); a chunked parallel (Hillis-Steele) scan, also below, was the alternative measured. Every row is one forward + backward of the tiny preset on a 16 × 256 batch (4,096 tokens), BF16
autocast as in `fit`, 1 thread, after one warm-up step; the attention-only model is the baseline the variant is
compared with in chapter 18. Outputs and gradients of the two scans are checked equal first.

    python benchmarks/bench_mamba.py [--steps 3] [--batch 16] [--seq 256]
"""
import argparse, time
import torch
import nanollama.variants as V
from nanollama.config import get_preset
from nanollama.model import NanoLlama


def loop_scan(x, dt, A, Bm, Cm, keep):  # the first version, token by token (chapter 18 before the chunked scan)
    Bsz, T, D = x.shape
    h = x.new_zeros(Bsz, D, A.shape[1])
    ys = []
    for t in range(T):
        decay = torch.exp(dt[:, t, :, None] * A) * keep[:, t, None, None]
        h = decay * h + dt[:, t, :, None] * Bm[:, t, None, :] * x[:, t, :, None]
        ys.append((h * Cm[:, t, None, :]).sum(-1))
    return torch.stack(ys, 1)


def parallel_scan(x, dt, A, Bm, Cm, keep, chunk=16):  # the alternative measured: prefix-combine affine maps per chunk
    a = torch.exp(dt[..., None] * A) * keep[..., None, None]
    u = (dt * x)[..., None] * Bm[:, :, None, :]
    h, hs = None, []
    for s in range(0, x.shape[1], chunk):
        ac, uc = a[:, s : s + chunk], u[:, s : s + chunk]
        k = 1
        while k < ac.shape[1]:
            uc = torch.cat([uc[:, :k], uc[:, k:] + ac[:, k:] * uc[:, :-k]], 1)
            ac = torch.cat([ac[:, :k], ac[:, k:] * ac[:, :-k]], 1)
            k *= 2
        hc = uc if h is None else uc + ac * h[:, None]
        h = hc[:, -1]
        hs.append(hc)
    return (torch.cat(hs, 1) * Cm[:, :, None, :]).sum(-1)


def step_seconds(model, x, docs, steps):
    def one():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(x, doc_ids=docs)
        logits.float().logsumexp(-1).mean().backward()
        model.zero_grad(set_to_none=True)

    one()  # warm-up
    t0 = time.perf_counter()
    for _ in range(steps):
        one()
    return (time.perf_counter() - t0) / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=256)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    # the two scans agree, values and gradients, on a packed row with document starts
    B, T, D, N = 2, 37, 8, 4
    args = [torch.randn(B, T, D), torch.rand(B, T, D), -torch.rand(D, N), torch.randn(B, T, N), torch.randn(B, T, N)]
    keep = torch.ones(B, T)
    keep[:, [11, 30]] = 0
    outs = []
    for scan in (loop_scan, V.selective_scan, parallel_scan):
        ins = [t.clone().requires_grad_() for t in args]
        y = scan(*ins, keep)
        y.pow(2).sum().backward()
        outs.append([y] + [t.grad for t in ins])
    for other in outs[1:]:
        assert all(torch.allclose(p, q, atol=1e-4, rtol=1e-4) for p, q in zip(outs[0], other)), "the scans disagree"

    cfg = get_preset("nanollama-tiny")
    x = torch.randint(0, cfg.vocab_size, (a.batch, a.seq))
    docs = torch.arange(a.seq).div(100, rounding_mode="floor").expand(a.batch, -1)  # documents of 100 tokens
    rows = {}
    torch.manual_seed(0)
    rows["attention only (tiny preset)"] = step_seconds(NanoLlama(cfg), x, docs, a.steps)
    torch.manual_seed(0)
    mamba = NanoLlama(cfg)
    V.apply_variants(mamba, None, ["mamba"])
    scan = V.selective_scan
    for name, f in [("mamba, token-by-token loop (reference)", loop_scan), ("mamba, parallel scan, chunks of 16", parallel_scan)]:
        V.selective_scan = f
        rows[name] = step_seconds(mamba, x, docs, a.steps)
    V.selective_scan = scan
    rows["mamba, chapter 18's scan (precomputed, unbind)"] = step_seconds(mamba, x, docs, a.steps)
    ref = rows["mamba, token-by-token loop (reference)"]
    print(f"tiny preset, {a.batch} × {a.seq} tokens, forward + backward, BF16 autocast, 1 thread, {a.steps} steps\n")
    print("| model | s / step | tokens/s | vs the loop |\n|---|---|---|---|")
    for name, s in rows.items():
        print(f"| {name} | {s:.2f} | {a.batch * a.seq / s:,.0f} | {ref / s:.1f}× |")


if __name__ == "__main__":
    main()
