"""Training throughput: NanoLlama vs transformers' LlamaForCausalLM built from the same config (`nanollama-tiny`),
same batch, same threads, measured in one run (ratios, not absolute times).

Rows: fp32 and BF16 autocast for both; ours also with its blocks compiled (`nanollama.train.compile_blocks`, the
default for runs of COMPILE_MIN_STEPS steps or more) and with the training loss it really uses (chunked cross-entropy
+ z-loss from hidden states, chapter 07). One step = forward + backward + AdamW. The compile time (first two steps)
is printed too: it is what the default's step threshold has to repay. Decoding is measured in bench_decode.py.

    python benchmarks/bench_model.py [--threads 1] [--steps 6] [--batch 8] [--seq 256]
"""
import argparse, contextlib, time

import torch
import torch.nn.functional as F


def train_tokens_per_s(step_fn, tokens, steps):
    t = time.perf_counter()
    for _ in range(2): step_fn()                                 # warm-up (and compilation)
    warm = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(steps): step_fn()
    return steps * tokens / (time.perf_counter() - t), warm


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from transformers import LlamaConfig, LlamaForCausalLM
    from transformers.utils import logging as hf_logging
    hf_logging.set_verbosity_error()
    from nanollama.config import get_preset
    from nanollama.model import NanoLlama, hf_config
    from nanollama.train import chunked_loss, compile_blocks

    cfg = get_preset("nanollama-tiny")
    torch.manual_seed(0)
    batch = torch.randint(0, cfg.vocab_size, (a.batch, a.seq + 1))
    x, y = batch[:, :-1], batch[:, 1:]

    def make_step(model, bf16, kind):
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        ctx = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
        def step():
            with ctx():
                if kind == "hf": loss = F.cross_entropy(model(x).logits.float().flatten(0, 1), y.flatten())
                elif kind == "logits": loss = F.cross_entropy(model(x).float().flatten(0, 1), y.flatten())
                else:                                            # what train() runs: chunked loss, compiled with the blocks
                    ce, z, n = model(x, loss_fn=chunked_loss(y, 4096, compiled=kind == "compiled")); loss = (ce + 1e-4 * z) / n
            loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
        return step

    def ours(compiled):
        torch.manual_seed(0); m = NanoLlama(cfg).train()
        if compiled: assert compile_blocks(m, True), "torch.compile is unavailable here"
        return m

    rows = []
    for bf16 in (False, True):
        dt = "bf16 autocast" if bf16 else "fp32"
        hf = LlamaForCausalLM(LlamaConfig(**{k: v for k, v in hf_config(cfg).items() if k not in ("architectures", "dtype")})).train()
        r_hf, w_hf = train_tokens_per_s(make_step(hf, bf16, "hf"), x.numel(), a.steps)
        rows.append((dt, "transformers LlamaForCausalLM (eager)", r_hf, w_hf, r_hf))
        for name, compiled, kind in (("NanoLlama eager, full logits", False, "logits"),
                                     ("NanoLlama eager, chunked loss", False, "chunked"),
                                     ("NanoLlama compiled blocks + loss", True, "compiled")):
            r, w = train_tokens_per_s(make_step(ours(compiled), bf16, kind), x.numel(), a.steps)
            rows.append((dt, name, r, w, r_hf))

    print(f"\ntorch {torch.__version__}, {a.threads} thread(s), nanollama-tiny, batch {a.batch} x {a.seq}, best path marked "
          f"(the default for runs of 100+ steps: BF16 autocast, compiled blocks, chunked loss)\n")
    print("| dtype | model | train tok/s | vs transformers (same dtype) | first two steps (s) |")
    print("|---|---|---|---|---|")
    for dt, name, r, w, base in rows:
        star = " (default)" if dt.startswith("bf16") and "compiled" in name else ""
        print(f"| {dt} | {name}{star} | {r:,.0f} | **{r / base:.2f}×** | {w:.1f} |")


if __name__ == "__main__":
    main()
