"""Pre-training benchmarks, each against its named reference in the same run.

1. Packing efficiency on the offline corpus: packed windows vs one padded document per window (1K and 4K).
2. Training tokens/s of nanollama-tiny (full preset, packed batches with document masking): eager vs torch.compile
   (per block), fp32 vs bf16 autocast — ratios against eager fp32.
3. MinHash LSH near-duplicate detection docs/s vs exact all-pairs Jaccard on the same documents.

    python benchmarks/bench_pretrain.py [--threads 1] [--steps 4]
"""
import argparse, random, time

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=4)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from nanollama.config import get_preset
    from nanollama.data import training_corpus, dedup, shingles, jaccard
    from nanollama.model import NanoLlama
    from nanollama.packing import pack, pad_each
    from nanollama.tokenizer import train_tokenizer, encode_plain
    from nanollama.train import TrainData, chunked_loss, make_optimizer, get_recipe

    corpus = training_corpus()
    texts = [t for v in corpus[1].values() for t in v[:300]] + [t for v in corpus[2].values() for t in v[:40]]
    random.Random(0).shuffle(texts)
    tok = train_tokenizer((t for v in corpus[1].values() for t in v[:1000]), vocab_size=8192)
    docs = [encode_plain(tok, t) for t in texts]
    eot = tok.convert_tokens_to_ids("<|end_of_text|>")
    print(f"\n### Packing efficiency ({len(docs)} documents of the offline corpus)\n")
    print("| window | packed: real tokens / slots | padded: real tokens / slots | packed / padded |")
    print("|---|---|---|---|")
    for T in (1024, 4096):
        n_windows = sum(1 for _ in pack(docs, T, 1, eot))
        packed = min(1.0, sum(len(d) + 1 for d in docs) / (n_windows * T))
        padded_rows = list(pad_each(docs, T, eot, pad_id=0))
        padded = sum(r["n_real"] for r in padded_rows) / (len(padded_rows) * T)
        print(f"| {T:,} | {100 * packed:.2f}% | {100 * padded:.2f}% | {packed / padded:.1f}× |")

    cfg = get_preset("nanollama-tiny")
    tc = get_recipe("nanollama-tiny").train
    data = TrainData(tok, seed=0, corpus=corpus)
    batches = [data.next_batch(1, tc.tokens_per_step // 256, 256) for _ in range(a.steps + 2)]
    rows = {}
    for compiled in (False, True):
        for bf16 in (False, True):
            torch.manual_seed(0)
            model = NanoLlama(cfg).train()
            if compiled:
                for layer in model.layers: layer.compile()
            opt = make_optimizer(model, tc)
            def step(b):
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    ce, z, n = model(b["input_ids"], doc_ids=b["doc_ids"], loss_fn=chunked_loss(b["labels"], tc.loss_chunk))
                ((ce + tc.z_loss * z) / n).backward(); opt.step(); opt.zero_grad(set_to_none=True)
            for b in batches[:2]: step(b)                                # warm-up / compilation
            t = time.perf_counter()
            for b in batches[2:]: step(b)
            rows[(compiled, bf16)] = a.steps * tc.tokens_per_step / (time.perf_counter() - t)
    base = rows[(False, False)]
    print(f"\n### Training tokens/s, nanollama-tiny ({sum(p.numel() for p in model.parameters())/1e6:.1f}M params), "
          f"{tc.tokens_per_step:,} tokens/step at context 256, {a.threads} thread(s)\n")
    print("| mode | tokens/s | vs eager fp32 |")
    print("|---|---|---|")
    for (c, bf), v in rows.items():
        print(f"| {'compiled' if c else 'eager'} {'bf16' if bf else 'fp32'} | {v:,.0f} | {v / base:.2f}× |")

    sample = [t for t in corpus[1]["math"][:1500]]
    t = time.perf_counter(); dedup(sample); mh = len(sample) / (time.perf_counter() - t)
    sub = sample[:300]
    t = time.perf_counter()
    sets = [shingles(x) for x in sub]
    for i in range(len(sets)):
        for j in range(i): jaccard(sets[i], sets[j])
    exact = len(sub) / (time.perf_counter() - t)
    print(f"\n### Near-duplicate detection\n\n| method | docs/s | ratio |\n|---|---|---|")
    print(f"| exact all-pairs Jaccard (300 docs; O(n²), slower as n grows) | {exact:,.0f} | 1.00× |")
    print(f"| MinHash LSH + candidate verification (1,500 docs) | {mh:,.0f} | {mh / exact:.1f}× |")


if __name__ == "__main__":
    main()
