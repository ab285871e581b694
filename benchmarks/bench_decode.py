"""Decode and prefill speed of one model in every engine a learner might pick, measured side by side in one run:
NanoLlama's KV-cache `generate` with fp32, BF16 and int8 weights (chapter 10b), int8 again with chapter 10b's
`StaticKVCache` (the one-token step compiled once; compiling is timed apart), `transformers`' `generate` in fp32,
and llama.cpp on our own GGUF exports (F16, Q8_0, Q4_K_M) of the same weights — at 1 and 2 threads.

The model is SmolLM2-135M-Instruct (`smollm2`) unless --model names another. Decode tokens/s counts the steps after
the first new token (prefill excluded on every side), best of --repeats after a warm-up; "MB/token" is the weights one
decoding step reads (for llama.cpp: the file). Prefill is one forward over a --prefill-token prompt, logits for the
last position only. "same tokens" is how many greedy tokens equal NanoLlama fp32's before the first difference.

    python benchmarks/bench_decode.py [--threads 1 2] [--new-tokens 64] [--repeats 2] [--prefill 512] [--model smollm2]
"""
import argparse, copy, tempfile, time, warnings
from pathlib import Path

import torch

warnings.filterwarnings("ignore")


def best(fn, repeats):
    fn()                                                                         # warm-up
    return max((fn() for _ in range(repeats)), key=lambda r: r[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--prefill", type=int, default=512, help="prompt tokens for the prefill measurement")
    ap.add_argument("--model", default="smollm2", help="anything nanollama's resolve_model accepts")
    a = ap.parse_args()
    import llama_cpp, transformers
    from transformers import AutoModelForCausalLM
    from nanollama.pretrained import load_model_and_tokenizer, resolve_model
    from nanollama.generate import generate
    from nanollama.quantize import StaticKVCache, quantize, weight_bytes_per_token
    from nanollama.attention import KVCache
    from nanollama.gguf import save_gguf, llama_cpp_greedy

    fp32, tok = load_model_and_tokenizer(a.model)
    ours = {"fp32": fp32, "bf16": quantize(copy.deepcopy(fp32), "bf16"), "int8": quantize(copy.deepcopy(fp32), "int8")}
    hf = AutoModelForCausalLM.from_pretrained(str(resolve_model(a.model)), dtype=torch.float32).eval()
    prompt = tok.apply_chat_template([{"role": "user", "content": "Write a short story about a robot."}],
                                     add_generation_prompt=True, return_dict=False)
    long_prompt = (tok("The history of computing is long. " * 200).input_ids * 2)[: a.prefill]
    n = a.new_tokens

    def nano_decode(m, static=False):
        stamps, cache = [], StaticKVCache(m.cfg, 1, len(prompt) + n) if static else None
        out = generate(m, prompt, max_new_tokens=n, cache=cache, on_token=lambda t: stamps.append(time.perf_counter()))
        return out, (len(out) - 1) / (stamps[-1] - stamps[0])

    @torch.no_grad()
    def nano_prefill(m):
        cache = KVCache(m.cfg, 1, len(long_prompt), dtype=m.embed_tokens.weight.dtype)
        t = time.perf_counter(); m.head(m.hidden_states(torch.tensor([long_prompt]), cache=cache)[:, -1])
        return None, len(long_prompt) / (time.perf_counter() - t)

    @torch.no_grad()
    def hf_decode():
        x = torch.tensor([prompt])
        kw = dict(do_sample=False, pad_token_id=tok.eos_token_id)
        t = time.perf_counter(); hf.generate(x, max_new_tokens=1, min_new_tokens=1, **kw); t1 = time.perf_counter() - t
        t = time.perf_counter(); out = hf.generate(x, max_new_tokens=n, min_new_tokens=n, **kw); tn = time.perf_counter() - t
        return out[0, len(prompt):].tolist(), (n - 1) / max(tn - t1, 1e-9)

    @torch.no_grad()
    def hf_prefill():
        t = time.perf_counter(); hf(torch.tensor([long_prompt]), logits_to_keep=1)
        return None, len(long_prompt) / (time.perf_counter() - t)

    rows, compile_s = [], {}                                   # (threads, engine, MB/token, decode tok/s, prefill tok/s, same)
    with tempfile.TemporaryDirectory() as d:
        ggufs = {q: save_gguf(fp32, tok, Path(d) / f"model-{q}.gguf", q, modelfile=False) for q in ("f16", "q8_0", "q4_k_m")}
        for th in a.threads:
            torch.set_num_threads(th)
            ref, _ = nano_decode(fp32)
            def same(out): return next((i for i, (x, y) in enumerate(zip(out, ref)) if x != y), min(len(out), len(ref)))
            out, r = best(hf_decode, a.repeats)
            rows.append((th, "transformers `generate` fp32", weight_bytes_per_token(fp32) / 1e6, r, best(hf_prefill, a.repeats)[1], same(out)))
            for dt, m in ours.items():
                out, r = best(lambda: nano_decode(m), a.repeats)
                rows.append((th, f"NanoLlama `generate` {dt}", weight_bytes_per_token(m) / 1e6, r,
                             best(lambda: nano_prefill(m), a.repeats)[1], same(out)))
            t = time.perf_counter(); nano_decode(ours["int8"], static=True); compile_s[th] = time.perf_counter() - t  # built per thread count
            out, r = best(lambda: nano_decode(ours["int8"], static=True), a.repeats)
            rows.append((th, "NanoLlama `generate` int8, compiled `StaticKVCache`", weight_bytes_per_token(ours["int8"]) / 1e6,
                         r, None, same(out)))
            for q, path in ggufs.items():
                llm = llama_cpp.Llama(model_path=str(path), n_ctx=a.prefill + 8, n_threads=th, n_threads_batch=th,
                                      n_batch=a.prefill, logits_all=True, verbose=False)
                out, r = best(lambda: llama_cpp_greedy(llm, prompt, n), a.repeats)
                llm.close()
                llm = llama_cpp.Llama(model_path=str(path), n_ctx=a.prefill + 8, n_threads=th, n_threads_batch=th,
                                      n_batch=a.prefill, logits_all=False, verbose=False)
                def cpp_prefill():
                    llm.reset(); t = time.perf_counter(); llm.eval(long_prompt)
                    return None, len(long_prompt) / (time.perf_counter() - t)
                p = best(cpp_prefill, a.repeats)[1]
                llm.close()
                rows.append((th, f"llama.cpp {q.upper()} (our export)", path.stat().st_size / 1e6, r, p, same(out)))

    print(f"\ntorch {torch.__version__}, transformers {transformers.__version__}, llama-cpp-python {llama_cpp.__version__}; "
          f"{n} new tokens after a {len(prompt)}-token prompt; prefill {len(long_prompt)} tokens; best of {a.repeats}\n")
    print("| threads | engine | MB/token | decode tok/s | vs transformers fp32 | vs llama.cpp Q8_0 | prefill tok/s | same tokens |")
    print("|---|---|---|---|---|---|---|---|")
    for th in a.threads:
        mine = [r for r in rows if r[0] == th]
        base = next(r[3] for r in mine if r[1].startswith("transformers"))
        q8 = next(r[3] for r in mine if "Q8_0" in r[1])
        for _, name, mb, r, p, s in mine:
            prefill = "as int8" if p is None else f"{p:,.0f}"
            print(f"| {th} | {name} | {mb:.0f} | {r:,.1f} | **{r / base:.2f}×** | {r / q8:.2f}× | {prefill} | {s}/{n} |")
    print("\ncompiling the static-cache step (first call, once per thread count): "
          + ", ".join(f"{th} thread(s) {s:.0f} s" for th, s in compile_s.items()))


if __name__ == "__main__":
    main()
