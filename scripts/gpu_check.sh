#!/usr/bin/env bash
# Every training stage of the tiny preset on the GPU(s), the way the 1B recipe runs them: BF16 autocast, flex-attention
# document masks, activation checkpointing, compiled blocks, FSDP2 under torchrun when there are 2+ GPUs; then
# evaluation and the agent on the GPU. Prints tokens/s and MFU per stage. Budget: under 10 minutes on one H100.
#
#   bash scripts/gpu_check.sh [OUT_DIR]
#
# Knobs (for the CPU rehearsal in tests/test_gpu_check.py): GPU_CHECK_DEVICE=cpu, GPU_CHECK_PROCS=N, GPU_CHECK_SMALL=1.
set -euo pipefail
OUT=${1:-$(mktemp -d)/gpu_check}
DEVICE=${GPU_CHECK_DEVICE:-cuda}
if [ "$DEVICE" = cuda ]; then
  python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'gpu_check: no CUDA device here (torch ' + torch.__version__ + ')')"
  PROCS=${GPU_CHECK_PROCS:-$(python -c "import torch; print(torch.cuda.device_count())")}
else
  PROCS=${GPU_CHECK_PROCS:-1}
fi
if [ -n "${GPU_CHECK_SMALL:-}" ]; then                 # the CPU rehearsal: a few steps of everything
  PT="--steps 4 --tokens-per-step 2048"; SFT="--steps 4 --examples 40 --batch-size 4 --seq-len 256"
  DPO="--steps 2 --pairs 8 --batch-size 4"; EVAL="--limit 2"
else
  PT="--steps 300 --tokens-per-step 131072"; SFT="--steps 200 --examples 4000 --batch-size 64 --seq-len 512"
  DPO="--steps 100 --pairs 512 --batch-size 32"; EVAL="--limit 20"
fi
LAUNCH=(nanollama)
if [ "$PROCS" -ge 2 ]; then LAUNCH=(python -m torch.distributed.run --nproc_per_node="$PROCS" --master_port=29561 -m nanollama.cli); fi
echo "gpu_check: device $DEVICE, $PROCS process(es), output in $OUT"
mkdir -p "$OUT"
t0=$(date +%s)
"${LAUNCH[@]}" pretrain --preset nanollama-tiny --out "$OUT/base" $PT --device "$DEVICE" --activation-checkpointing
"${LAUNCH[@]}" sft --init "$OUT/base" --out "$OUT/sft" $SFT --device "$DEVICE" --activation-checkpointing
"${LAUNCH[@]}" dpo --init "$OUT/sft" --out "$OUT/dpo" $DPO --device "$DEVICE" --activation-checkpointing
nanollama eval --model "$OUT/dpo" --tasks mmlu_elementary_mathematics,gsm8k $EVAL --device "$DEVICE" --dtype bf16 --out "$OUT/eval.json"
nanollama chat --model "$OUT/dpo" --agent --json --prompt "What is 12 * 34?" --device "$DEVICE" --max-new-tokens 64 > "$OUT/agent.json"
python -m nanollama.measure "$OUT" --procs "$PROCS" --device "$DEVICE"      # tokens/s and MFU per stage
echo "gpu_check: every stage ran in $(( $(date +%s) - t0 )) s"
