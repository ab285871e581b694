"""Peak memory of real training steps against chapter 00's calculator (`training_memory`, via chapter 07's `step_memory`).

Each configuration runs two AdamW steps of one micro-batch (BF16 autocast) in a fresh process and reads its peak
resident memory (glibc told to unmap every freed block of 128 KiB or more, so the peak counts live tensors); the
calculator predicts the same step from the model config and the TrainConfig. Run: python benchmarks/bench_memory.py
"""
import sys, time
from nanollama.config import ModelConfig, count_params
from nanollama.train import TrainConfig
from nanollama.measure import step_memory, measured_step_memory

MODELS = {"26M (d512, 8 layers, vocab 8K)": ModelConfig(dim=512, n_layers=8, n_heads=8, n_kv_heads=2, ffn_dim=1344,
                                                          vocab_size=8192, max_seq_len=4096),
          "88M (d768, 12 layers, vocab 16K)": ModelConfig(dim=768, n_layers=12, n_heads=12, n_kv_heads=4, ffn_dim=2048,
                                                           vocab_size=16384, max_seq_len=4096)}

def main():
    print("| model | params | context x sequences | checkpointing | calculator GiB | measured GiB | calculator / measured |")
    print("|---|---|---|---|---|---|---|")
    for name, cfg in MODELS.items():
        for seq_len, seqs in ((1024, 2), (4096, 1)):
            for ckpt in (False, True):
                tc = TrainConfig(tokens_per_step=seqs * seq_len, context_ramp=(seq_len,) * 3, activation_checkpointing=ckpt,
                                 loss_chunk=2048)
                t0 = time.time()
                predicted, measured = step_memory(cfg, tc, seq_len)["total"], measured_step_memory(cfg, tc, seq_len)
                print(f"| {name} | {count_params(cfg) / 1e6:.0f}M | {seq_len} x {seqs} | {ckpt} | {predicted:.2f} | "
                      f"{measured:.2f} | {predicted / measured:.2f} |", flush=True)
                print(f"  ({time.time() - t0:.0f} s)", file=sys.stderr)

if __name__ == "__main__": main()
