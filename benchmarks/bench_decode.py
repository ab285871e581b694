"""Decode speed, batch 1, greedy: our KV-cache engine (`nanollama.generate.generate`, PyTorch fp32) vs llama.cpp
running our own GGUF exports (F16 and Q8_0) of the same model, measured in one run (ratios, not absolute times).

The model is SmolLM2-135M-Instruct (`smollm2`) unless --model names another model directory. Decode tokens/s
counts the steps after the first new token (the prompt's prefill is excluded on both sides); each number is the
best of --repeats runs after a warm-up. "same tokens" says how many of the generated tokens equal ours.

    python benchmarks/bench_decode.py [--threads 1] [--new-tokens 64] [--repeats 3] [--model smollm2]
"""
import argparse, tempfile, time
from pathlib import Path

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1, help="torch threads and llama.cpp threads (default 1)")
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", default="smollm2", help="anything nanollama's resolve_model accepts")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    import llama_cpp
    from nanollama.pretrained import load_model_and_tokenizer
    from nanollama.generate import generate
    from nanollama.gguf import save_gguf, llama_cpp_model, llama_cpp_greedy

    model, tok = load_model_and_tokenizer(a.model)
    prompt = tok.apply_chat_template([{"role": "user", "content": "Write a short story about a robot."}],
                                     add_generation_prompt=True, return_dict=False)
    n = a.new_tokens

    def ours():
        stamps = []
        out = generate(model, prompt, max_new_tokens=n, on_token=lambda t: stamps.append(time.perf_counter()))
        return out, (len(out) - 1) / (stamps[-1] - stamps[0])

    ours()                                                                       # warm-up
    ref, r_ours = max((ours() for _ in range(a.repeats)), key=lambda r: r[1])
    rows = [("NanoLlama `generate` (PyTorch fp32)", "–", r_ours, len(ref))]
    with tempfile.TemporaryDirectory() as d:
        for q in ("f16", "q8_0"):
            path = save_gguf(model, tok, Path(d) / f"model-{q}.gguf", q, modelfile=False)
            llm = llama_cpp_model(path, n_ctx=len(prompt) + n + 8, threads=a.threads)
            llama_cpp_greedy(llm, prompt, n)                                     # warm-up
            out, rate = max((llama_cpp_greedy(llm, prompt, n) for _ in range(a.repeats)), key=lambda r: r[1])
            llm.close()
            same = next((i for i, (x, y) in enumerate(zip(out, ref)) if x != y), min(len(out), len(ref)))
            rows.append((f"llama.cpp {q.upper()} (our export)", f"{path.stat().st_size / 2**20:.0f}", rate, same))

    print(f"\ntorch {torch.__version__}, llama-cpp-python {llama_cpp.__version__}, {a.threads} thread(s); "
          f"{n} new tokens after a {len(prompt)}-token prompt, best of {a.repeats}\n")
    print("| engine | file MiB | decode tok/s | vs NanoLlama | same tokens as ours |")
    print("|---|---|---|---|---|")
    for name, size, rate, same in rows:
        print(f"| {name} | {size} | {rate:,.1f} | **{rate / r_ours:.2f}×** | {same}/{n} |")


if __name__ == "__main__":
    main()
