"""What each candidate lever buys the training step (issue 23): the tiny preset's step — BF16 autocast, compiled blocks,
chunked loss, AdamW, clipping, random tokens packed three documents to a row — with one change at a time, each in its
own process (so no compiled graph or patch leaks into the next), against the unchanged step measured in the same run.

Levers (the same mathematics unless said):
- `fused-adamw`: AdamW's `fused=True` kernel instead of the per-tensor loop.
- `whole-graph`: the whole forward and loss compiled as one graph instead of block by block.
- `fused-projections`: q/k/v as one matrix multiply and gate/up as another (weights concatenated at run time).
- `fp32-attention`: attention's inputs cast to fp32 (the CPU flash kernel's BF16 backward is the slow part; see
  the second table).
- `no-document-mask`: plain causal attention — *not* the same mathematics (documents see each other); it bounds what
  any document-mask kernel could win.

The second table times attention alone (SDPA forward and backward, one layer's shapes) in BF16 and fp32, and the
BF16 batched matrix product QKᵀ that attention is made of, whose inner dimension is the head size (32).

    python benchmarks/bench_levers.py [--threads 1] [--steps 8]
"""
import argparse, math, statistics, subprocess, sys, time

import torch
import torch.nn.functional as F

LEVERS = ["default", "fused-adamw", "whole-graph", "fused-projections", "fp32-attention", "no-document-mask"]
SHAPES = [(16, 256), (16, 1024)]


def apply_lever(lever: str):
    "Patch nanollama for one lever (in this process only)."
    from nanollama import attention as A, model as M

    if lever == "fp32-attention":
        inner = A.attention
        A.attention = lambda q, k, v, doc_ids=None, key_valid=None: inner(
            q.float(), k.float(), v.float(), doc_ids, key_valid
        ).to(q.dtype)
    if lever == "no-document-mask":
        A.attention = lambda q, k, v, doc_ids=None, key_valid=None: F.scaled_dot_product_attention(
            q, k, v, is_causal=True, enable_gqa=True
        )
    if lever == "fused-projections":

        def attention_forward(self, x, cos, sin, doc_ids=None, cache=None):
            B, T, _ = x.shape
            w = torch.cat([self.q_proj.weight, self.k_proj.weight, self.v_proj.weight])  # (H·hd + 2·kv, dim)
            kv = self.n_kv_heads * self.head_dim
            q, k, v = F.linear(x, w).split([self.n_heads * self.head_dim, kv, kv], -1)
            q = q.view(B, T, self.n_heads, self.head_dim).transpose(1, 2)  # (B, H, T, hd)
            k = k.view(B, T, self.n_kv_heads, self.head_dim).transpose(1, 2)  # (B, Hkv, T, hd)
            v = v.view(B, T, self.n_kv_heads, self.head_dim).transpose(1, 2)
            q, k = A.apply_rope(q, cos, sin), A.apply_rope(k, cos, sin)
            return self.o_proj(A.attention(q, k, v, doc_ids).transpose(1, 2).reshape(B, T, -1))

        def mlp_forward(self, x):
            gate, up = F.linear(x, torch.cat([self.gate_proj.weight, self.up_proj.weight])).chunk(2, -1)
            return self.down_proj(F.silu(gate) * up)

        A.Attention.forward, M.SwiGLU.forward = attention_forward, mlp_forward


def step_rate(lever: str, batch: int, seq: int, steps: int) -> tuple[float, float]:
    "(median tokens/s after three steps, mean loss of the steps) for one lever."
    from dataclasses import replace
    from nanollama.config import get_preset
    from nanollama.model import NanoLlama
    from nanollama.train import chunked_loss, get_recipe, make_optimizer

    apply_lever(lever)
    cfg = get_preset("nanollama-tiny")
    tc = replace(get_recipe("nanollama-tiny").train, tokens_per_step=batch * seq, context_ramp=(seq,) * 3)
    torch.manual_seed(0)
    model = NanoLlama(cfg).train()
    opt = make_optimizer(model, tc)
    if lever == "fused-adamw":
        groups = [{"params": g["params"], "weight_decay": g["weight_decay"]} for g in opt.param_groups]
        opt = torch.optim.AdamW(groups, lr=tc.lr, betas=tc.betas, fused=True)
    if lever == "whole-graph":
        forward = torch.compile(lambda x, d, y: model(x, doc_ids=d, loss_fn=chunked_loss(y, tc.loss_chunk)))
    else:
        for layer in model.layers:
            layer.compile()
        forward = lambda x, d, y: model(x, doc_ids=d, loss_fn=chunked_loss(y, tc.loss_chunk, compiled=True))
    g = torch.Generator().manual_seed(0)
    docs = (torch.arange(seq) * 3 // seq).expand(batch, seq)  # (batch, seq): three documents per row
    times, losses = [], []
    for _ in range(steps):
        x = torch.randint(0, cfg.vocab_size, (batch, seq + 1), generator=g)
        t = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            ce, z, n = forward(x[:, :-1], docs, x[:, 1:])
        ((ce + tc.z_loss * z) / n).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t)
        losses.append(float(ce / n))
    return batch * seq / statistics.median(times[3:]), sum(losses) / len(losses)


def attention_table(threads: int):
    "SDPA forward/backward per layer in BF16 and fp32, and the BF16 QKᵀ product's rate."
    from nanollama.attention import document_mask

    print(f"\n### Attention alone, one layer of nanollama-tiny (8 query / 2 KV heads of 32), {threads} thread(s)\n")
    print("| tokens | dtype | SDPA forward ms | SDPA backward ms | QKᵀ as a batched matmul: GFLOP/s |")
    print("|---|---|---|---|---|")
    for B, T in SHAPES:
        mask = document_mask((torch.arange(T) * 3 // T).expand(B, T))
        for dt in (torch.bfloat16, torch.float32):
            g = torch.Generator().manual_seed(0)
            q, k, v = (torch.randn(B, h, T, 32, generator=g, dtype=dt, requires_grad=True) for h in (8, 2, 2))
            fwd, bwd = [], []
            for _ in range(4):
                t = time.perf_counter()
                out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
                t1 = time.perf_counter()
                out.float().sum().backward()
                fwd.append(t1 - t), bwd.append(time.perf_counter() - t1)
            a, b = torch.randn(B * 8, T, 32, dtype=dt), torch.randn(B * 8, 32, T, dtype=dt)
            torch.bmm(a, b)
            t = time.perf_counter()
            for _ in range(3):
                torch.bmm(a, b)
            rate = 3 * 2 * B * 8 * T * T * 32 / (time.perf_counter() - t) / 1e9
            name = str(dt).removeprefix("torch.")
            print(f"| {B} × {T:,} | {name} | {1e3 * min(fwd[1:]):.1f} | {1e3 * min(bwd[1:]):.1f} | {rate:.0f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--one", nargs=3, metavar=("LEVER", "BATCH", "SEQ"), help=argparse.SUPPRESS)  # the child process
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.one:
        tps, loss = step_rate(a.one[0], int(a.one[1]), int(a.one[2]), a.steps)
        print(f"RESULT {tps} {loss}")
        return
    from nanollama.config import flops_per_token, get_preset

    cfg = get_preset("nanollama-tiny")
    print(f"### The training step with one lever at a time (nanollama-tiny, {a.threads} thread(s), {a.steps} steps)\n")
    print("| lever | tokens per step | tokens/s | vs default | matmul + attention TFLOP/s | mean loss |")
    print("|---|---|---|---|---|---|")
    for batch, seq in SHAPES:
        base = None
        for lever in LEVERS:
            cmd = [sys.executable, __file__, "--threads", str(a.threads), "--steps", str(a.steps), "--one", lever,
                   str(batch), str(seq)]
            out = subprocess.run(cmd, capture_output=True, text=True)
            line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT")), None)
            if line is None:
                print(f"| {lever} | {batch} × {seq:,} | failed: {out.stderr.strip().splitlines()[-1][:80]} | | | |")
                continue
            tps, loss = map(float, line.split()[1:])
            base = base or tps
            tflops = tps * flops_per_token(cfg, seq) / 1e12
            print(f"| {lever} | {batch} × {seq:,} | {tps:,.0f} | {tps / base:.2f}× | {tflops:.3f} | {loss:.4f} |",
                  flush=True)
    attention_table(a.threads)


if __name__ == "__main__":
    main()
