"""When does a small Llama learn to copy? Optimizer steps until an induction circuit forms, by depth.

The agent's hardest skill is copying the question's numbers into its code. This isolates it: rows of random token
segments, each written twice (`1 a b c 2 a b c 3 ...`); after `2` the model must reproduce the segment, which needs an
induction circuit. We train NanoLlama of the tiny preset's width at several depths (BF16 autocast, compiled blocks,
chunked loss: exactly the speedrun's training step) and print the copy accuracy every 100 steps, next to
`transformers`' LlamaForCausalLM of the same config as the reference implementation (2 layers, fp32).

    python benchmarks/bench_copy.py [--depths 2,4,8] [--steps 500] [--threads 1]
"""
import argparse, random, time
import torch
import torch.nn.functional as F


def batch(rng, B=16, T=128, vocab=64):
    rows = []
    for _ in range(B):
        s = []
        while len(s) < T + 1:
            seg = [rng.randrange(10, vocab - 4) for _ in range(rng.randrange(3, 12))]
            s += [1] + seg + [2] + seg + [3]
        rows.append(s[:T + 1])
    x = torch.tensor(rows)
    return x[:, :-1], x[:, 1:]


def copy_accuracy(logits_fn, rng):
    x, y = batch(rng)
    with torch.no_grad(): pred = logits_fn(x).argmax(-1)
    inside = torch.zeros_like(x, dtype=torch.bool)
    for b in range(x.shape[0]):
        on = False
        for t in range(x.shape[1]):
            on = True if x[b, t] == 2 else False if x[b, t] == 3 else on
            inside[b, t] = on
    mask = inside & (y >= 10)                               # the second copy of each segment
    return ((pred == y) & mask).sum().item() / mask.sum().item()


def run(name, model, logits_fn, loss_fn, steps, lr=1e-3, seed=0):
    rng = random.Random(seed)
    opt = torch.optim.AdamW(model.parameters(), lr, betas=(0.9, 0.95), weight_decay=0.1)
    curve, t0 = [], time.time()
    for step in range(steps + 1):
        if step % 100 == 0: curve.append(copy_accuracy(logits_fn, random.Random(10_000 + step)))
        x, y = batch(rng)
        loss_fn(x, y).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); opt.zero_grad(set_to_none=True)
    print(f"| {name} | " + " | ".join(f"{100 * a:.0f}%" for a in curve) + f" | {time.time() - t0:.0f} s |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--depths", default="2,4,8"); ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from nanollama.config import get_preset
    from nanollama.model import NanoLlama, hf_config
    from nanollama.train import chunked_loss
    print("copy accuracy on the second half of repeated segments, every 100 steps (batch 16 x 128 tokens, lr 1e-3)\n")
    print("| model | " + " | ".join(f"step {s}" for s in range(0, a.steps + 1, 100)) + " | time |")
    print("|---" * (a.steps // 100 + 3) + "|")
    from transformers import LlamaConfig, LlamaForCausalLM
    cfg = get_preset("nanollama-tiny", vocab_size=64, max_seq_len=256, n_layers=2)
    d = hf_config(cfg); d.pop("architectures"); d.pop("dtype", None)
    torch.manual_seed(0); hf = LlamaForCausalLM(LlamaConfig(**d)).train()
    run("transformers Llama, 2 layers, fp32", hf, lambda x: hf(x).logits,
        lambda x, y: F.cross_entropy(hf(x).logits.flatten(0, 1), y.flatten()), a.steps)
    for depth in [int(v) for v in a.depths.split(",")]:
        torch.manual_seed(0)
        m = NanoLlama(get_preset("nanollama-tiny", vocab_size=64, max_seq_len=256, n_layers=depth)).train()
        for layer in m.layers: layer.compile()
        def loss(x, y, m=m):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                ce, _, n = m(x, loss_fn=chunked_loss(y))
            return ce / n
        run(f"NanoLlama, {depth} layers, width 256, bf16 + compile", m, m, loss, a.steps)


if __name__ == "__main__":
    main()
