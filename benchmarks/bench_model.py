"""NanoLlama vs transformers' LlamaForCausalLM, measured in one run (ratios, not absolute times).

1. Training step (forward + backward + AdamW) tokens/s of `nanollama-tiny` vs `LlamaForCausalLM` built from the
   same config, same batch, fp32 and bf16 autocast; ours also with torch.compile.
2. Decode tokens/s, batch 1, greedy, on SmolLM2-135M-Instruct: our KV-cache `generate` vs `transformers`' `generate`
   on the same weights (the converted model directory).

    python benchmarks/bench_model.py [--threads 1] [--steps 5] [--batch 8] [--seq 256] [--new-tokens 64]
"""
import argparse, contextlib, time

import torch
import torch.nn.functional as F


def train_tokens_per_s(model, batch, steps, bf16, hf=False):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x, y = batch[:, :-1], batch[:, 1:]
    ctx = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    def step():
        with ctx:
            logits = model(x).logits if hf else model(x)
        loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten())
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
    for _ in range(2): step()                                   # warm-up (and compilation)
    t = time.perf_counter()
    for _ in range(steps): step()
    return steps * x.numel() / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--new-tokens", type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from transformers import LlamaForCausalLM, AutoModelForCausalLM
    from transformers.utils import logging as hf_logging
    hf_logging.set_verbosity_error()
    from nanollama.config import get_preset
    from nanollama.model import NanoLlama, hf_config
    from nanollama.pretrained import load_model_and_tokenizer, resolve_model
    from nanollama.generate import generate

    cfg = get_preset("nanollama-tiny")
    torch.manual_seed(0)
    batch = torch.randint(0, cfg.vocab_size, (a.batch, a.seq + 1))
    rows = []
    for bf16 in (False, True):
        torch.manual_seed(0); ours = NanoLlama(cfg).train()
        from transformers import LlamaConfig
        hf = LlamaForCausalLM(LlamaConfig(**{k: v for k, v in hf_config(cfg).items() if k not in ("architectures", "dtype")})).train()
        hf.load_state_dict({("" if k.startswith("lm_head") else "model.") + k: v for k, v in ours.state_dict().items()}, strict=False)
        r_hf = train_tokens_per_s(hf, batch, a.steps, bf16, hf=True)
        r_ours = train_tokens_per_s(ours, batch, a.steps, bf16)
        torch.manual_seed(0); comp = torch.compile(NanoLlama(cfg).train())
        r_comp = train_tokens_per_s(comp, batch, a.steps, bf16)
        name = "bf16 autocast" if bf16 else "fp32"
        rows.append((f"train tiny {name}", r_hf, r_ours, r_comp))

    model, tok = load_model_and_tokenizer("smollm2")
    hf = AutoModelForCausalLM.from_pretrained(str(resolve_model("smollm2")), dtype=torch.float32).eval()
    prompt = tok.apply_chat_template([{"role": "user", "content": "Write a short story about a robot."}],
                                     add_generation_prompt=True, return_dict=False)
    n = a.new_tokens
    def ours_decode():
        t = time.perf_counter(); out = generate(model, prompt, max_new_tokens=n); return len(out) / (time.perf_counter() - t)
    def hf_decode():
        ids = torch.tensor([prompt])
        t = time.perf_counter()
        with torch.no_grad(): out = hf.generate(ids, max_new_tokens=n, min_new_tokens=n, do_sample=False)
        return (out.shape[1] - ids.shape[1]) / (time.perf_counter() - t)
    ours_decode(); hf_decode()                                       # warm-up
    rows.append(("decode SmolLM2-135M fp32, batch 1", max(hf_decode() for _ in range(3)), max(ours_decode() for _ in range(3)), None))

    print(f"\ntorch {torch.__version__}, {a.threads} thread(s); train batch {a.batch}x{a.seq}; decode {n} new tokens after a {len(prompt)}-token prompt\n")
    print("| benchmark | transformers tok/s | nanollama tok/s | ratio | nanollama + compile tok/s | ratio |")
    print("|---|---|---|---|---|---|")
    for name, r_hf, r_ours, r_comp in rows:
        comp = f"{r_comp:,.0f} | **{r_comp / r_hf:.2f}×**" if r_comp else "– | –"
        print(f"| {name} | {r_hf:,.0f} | {r_ours:,.0f} | **{r_ours / r_hf:.2f}×** | {comp} |")


if __name__ == "__main__":
    main()
