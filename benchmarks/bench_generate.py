"""Batched generation throughput: `generate_batch` (left padding, one KV cache, chapter 10) on 1, 8 and 32 prompts of
different lengths against decoding the same prompts one after another with `generate`, in one run. Also checks that
the batched greedy tokens equal the sequential ones (up to the first near-tie flip, reported as "same").

Prompts are GSM8K test questions in SmolLM2-135M-Instruct's chat template (from the data dir); every prompt gets
--new-tokens tokens (no stop token), so both sides do the same work.

    python benchmarks/bench_generate.py [--threads 1] [--new-tokens 64] [--dtype fp32 bf16] [--batches 1 8 32]
"""
import argparse, json, time, warnings

import torch

warnings.filterwarnings("ignore")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--dtype", nargs="+", default=["fp32", "bf16"])
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--sequential", type=int, default=4, help="prompts decoded one by one to measure the sequential rate")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from nanollama.settings import load_settings
    from nanollama.generate import generate, generate_batch
    from nanollama.pretrained import load_model_and_tokenizer

    rows_q = [json.loads(l) for l in open(load_settings().data_dir / "gsm8k" / "test.jsonl")][: max(a.batches)]
    n = a.new_tokens
    print(f"\ntorch {torch.__version__}, {a.threads} thread(s), SmolLM2-135M-Instruct, {n} new tokens per prompt\n")
    print("| weights | batch | prompt tokens | sequential tok/s | batched tok/s | speed-up | same tokens as sequential |")
    print("|---|---|---|---|---|---|---|")
    for dt in a.dtype:
        model, tok = load_model_and_tokenizer("smollm2", dt)
        prompts = [tok.apply_chat_template([{"role": "user", "content": r["question"]}], add_generation_prompt=True,
                                           return_dict=False) for r in rows_q]
        generate(model, prompts[0], 4)                                           # warm-up
        t = time.perf_counter()
        seq = [generate(model, p, n, stop_ids=()) for p in prompts[: a.sequential]]
        sequential = a.sequential * n / (time.perf_counter() - t)
        for bs in a.batches:
            ps = prompts[:bs]
            t = time.perf_counter(); outs = generate_batch(model, ps, n); batched = bs * n / (time.perf_counter() - t)
            same = sum(o == s for o, s in zip(outs, seq))
            lens = f"{min(map(len, ps))}–{max(map(len, ps))}"
            print(f"| {dt} | {bs} | {lens} | {sequential:,.1f} | {batched:,.1f} | **{batched / sequential:.1f}×** | "
                  f"{same}/{min(bs, a.sequential)} |")


if __name__ == "__main__":
    main()
