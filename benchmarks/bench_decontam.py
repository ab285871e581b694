"""Decontamination throughput and recall: nanollama's scan vs lm-eval's Janitor, on the same input, in one run.

Input: >= 50 MB built from the offline training corpus (chapter 05), each copy lightly varied (case, line breaks,
a prefix) so no pass is a verbatim repeat, with 400 GSM8K/MMLU test items planted inside long documents —
re-cased or re-punctuated, 13+ normalised words each. Both tools index the same item texts (GSM8K question and
solution, MMLU question with choices) as 13-grams and scan the same documents; recall is the share of planted
documents each flags. The Janitor runs its pure-Python path (`register_contaminant_python`/`clean_python`; the C++
helper `janitor_util` is not packaged) — on a slice of the input when `--janitor-mb` is smaller than the input,
which the table says.

    python benchmarks/bench_decontam.py [--mb 50] [--janitor-mb MB] [--planted 400]
"""
import argparse, contextlib, io, random, string, time

import torch


def vary(text: str, k: int) -> str:
    "A cheap variation of a training document for copy k (the words stay the same)."
    if k % 3 == 1: return text.lower()
    if k % 3 == 2: return text.replace("\n", " \n")
    return f"[{k}] " + text


def disguise(text: str, how: int, rng: random.Random) -> str:
    "Re-case / re-punctuate a benchmark text without changing its words."
    if how == 0: return text.upper()
    if how == 1: return "".join(c for c in text if c not in string.punctuation)
    if how == 2: return " ".join(w + rng.choice(["", ",", ";", "!", "..."]) for w in text.split())
    return " ".join(w + rng.choice(["", " -", " —"]) for w in text.split())          # stand-alone dashes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0, help="size of the scanned input in MB")
    ap.add_argument("--janitor-mb", type=float, default=None, help="MB of the same input the Janitor scans (default: all)")
    ap.add_argument("--planted", type=int, default=400)
    a = ap.parse_args()
    torch.set_num_threads(1)
    from nanollama.data import training_corpus
    from nanollama.data import load_benchmark
    from nanollama.decontam import build_index, item_fields, normalize, scan, NGRAM
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        from lm_eval.decontamination.janitor import Janitor       # prints a warning + traceback about its C++ helper

    rng = random.Random(0)
    base = [t for v in training_corpus()[1].values() for t in v]
    docs, size, k = [], 0, 0
    while size < a.mb * 1e6:
        for i, t in enumerate(base):
            docs.append((f"copy{k}/{i}", vary(t, k))); size += len(docs[-1][1])
            if size >= a.mb * 1e6: break
        k += 1
    rows = {"gsm8k": load_benchmark("gsm8k").rows, "mmlu": load_benchmark("mmlu").rows}
    long_enough = [(b, r) for b, rs in rows.items() for r in rs if len(normalize(r["question"])) >= 20]
    picked = rng.sample(long_enough, a.planted)
    hosts = rng.sample([j for j, (_, t) in enumerate(docs) if len(t) > 1500], a.planted)
    planted = {}
    for n, ((bench, row), j) in enumerate(zip(picked, hosts)):
        doc_id, host = docs[j]
        cut = rng.randrange(len(host))
        text = row["question"] + ("\n" + "\n".join(row["choices"]) if bench == "mmlu" else "")
        docs[j] = (doc_id, host[:cut] + "\n" + disguise(text, n % 4, rng) + "\n" + host[cut:])
        planted[doc_id] = (bench, row["id"])
    rng.shuffle(docs)
    mb = sum(len(t) for _, t in docs) / 1e6

    t0 = time.perf_counter(); index = build_index(); t_index = time.perf_counter() - t0
    t0 = time.perf_counter(); report = scan(docs, index); t_scan = time.perf_counter() - t0
    ours = {(r["id"], (r["benchmark"], r["item"])) for r in report["contaminated_docs"]}
    ours_recall = sum((d, want) in ours for d, want in planted.items()) / len(planted)

    jan = Janitor(ngram_n=NGRAM)
    t0 = time.perf_counter()
    for bench, rs in rows.items():
        for r in rs:
            for f in item_fields(bench, r): jan.register_contaminant_python(f)
    t_jan_index = time.perf_counter() - t0
    jan_docs, jan_mb = [], 0.0
    for d in docs:                                     # the first janitor-mb of the same (shuffled) input
        if a.janitor_mb is not None and jan_mb >= a.janitor_mb: break
        jan_docs.append(d); jan_mb += len(d[1]) / 1e6
    t0 = time.perf_counter()
    jan_flagged = {d for d, t in jan_docs if jan.clean_python(t) != [t]}   # != [t]: it cut something out (docs > 200 chars)
    t_jan = time.perf_counter() - t0
    jan_planted = [d for d, _ in jan_docs if d in planted]
    jan_recall = sum(d in jan_flagged for d in jan_planted) / max(1, len(jan_planted))

    ours_speed, jan_speed = mb / t_scan, jan_mb / t_jan
    slice_note = "" if len(jan_docs) == len(docs) else f" (timed on the first {jan_mb:.1f} MB)"
    print(f"\n### Decontamination: {mb:.1f} MB ({len(docs):,} documents, {len(planted)} planted test items), 13-grams, one core\n")
    print("| tool | index build (s) | MB scanned | scan (s) | MB/s | speed ratio | recall on planted items |")
    print("|---|---|---|---|---|---|---|")
    print(f"| lm-eval Janitor (python){slice_note} | {t_jan_index:.1f} | {jan_mb:.1f} | {t_jan:.1f} | {jan_speed:.2f} | 1.0× | "
          f"{jan_recall:.3f} ({len(jan_planted)} planted) |")
    print(f"| nanollama `scan` | {t_index:.1f} | {mb:.1f} | {t_scan:.1f} | {ours_speed:.2f} | {ours_speed / jan_speed:.1f}× | "
          f"{ours_recall:.3f} ({len(planted)} planted) |")
    by_how = {h: [d for n, d in enumerate(planted) if n % 4 == h] for h in range(4)}
    names = ["UPPER-CASED", "punctuation stripped", "punctuation added", "stand-alone dashes"]
    print("\n| disguise | Janitor recall | nanollama recall |\n|---|---|---|")
    for h, ds in by_how.items():
        jd = [d for d in ds if d in set(jan_planted)]
        print(f"| {names[h]} | {sum(d in jan_flagged for d in jd) / max(1, len(jd)):.3f} | "
              f"{sum((d, planted[d]) in ours for d in ds) / len(ds):.3f} |")


if __name__ == "__main__":
    main()
