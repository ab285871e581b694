"""What the chapters show of the default speedrun's trained models, saved where the notebooks can read them.

    python scripts/default_run.py runs/speedrun        # -> results/speedrun/{agent_attention.npz, transcripts.json}

A trained model is not part of the repository, so the chapters show it through these files (and chapter 17 through
the run's report.md, copied next to them):
- transcripts.json: for the SFT and the DPO model, greedy agent transcripts (chapter 11's Agent) on the held-out
  problems of chapter 04b — per split, the first three problems and the first one each model got wrong;
  chapter 09 shows the SFT model's, chapter 12 the same questions before (SFT) and after (DPO).
- agent_attention.npz: for the first problem of each split, the DPO model's reply run through `attention_maps`
  (chapter 11), the rows of the tokens it wrote over the columns of the user's turn: (layers, heads, written, question).
"""
import json, subprocess, sys
from pathlib import Path

import numpy as np
import torch

from nanollama.agent import Agent, attention_maps
from nanollama.arithmetic import heldout_problems
from nanollama.pretrained import load_model_and_tokenizer
from nanollama.tokenizer import SYSTEM_PROMPT, encode_chat

run = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/speedrun")
out = Path(sys.argv[2] if len(sys.argv) > 2 else "results/speedrun")
out.mkdir(parents=True, exist_ok=True)
torch.set_num_threads(1)
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
problems = heldout_problems(100)
models = {stage: load_model_and_tokenizer(run / stage) for stage in ("sft", "dpo")}


answered = {}  # (stage, question) -> transcript: the search for a wrong answer and the table share one run


def transcript(stage, p) -> dict:
    if (stage, p.question) not in answered:
        model, tok = models[stage]
        tr = Agent(model, tok, max_steps=2).run(p.question)  # greedy
        answered[stage, p.question] = {"question": p.question, "answer": str(p.answer), "final_answer": tr.final_answer,
                                       "right": tr.final_answer == str(p.answer), "messages": tr.messages[2:]}
    return answered[stage, p.question]


picked = {}  # split -> problem indices: the first three, then the first each model gets wrong
for split, ps in problems.items():
    idx = [0, 1, 2]
    for stage in ("sft", "dpo"):
        wrong = next((k for k, p in enumerate(ps[:40]) if not transcript(stage, p)["right"]), None)  # among the first 40
        if wrong is not None and wrong not in idx:
            idx.append(wrong)
    picked[split] = idx
shown = {
    "run": str(run), "commit": commit,
    "transcripts": {split: [{stage: transcript(stage, problems[split][k]) for stage in ("sft", "dpo")} for k in idx]
                    for split, idx in picked.items()},
}
(out / "transcripts.json").write_text(json.dumps(shown, indent=1, ensure_ascii=False) + "\n")

model, tok = models["dpo"]
arrays, meta = {}, []
for k, (split, ps) in enumerate(problems.items()):
    p = ps[0]
    reply = shown["transcripts"][split][0]["dpo"]["messages"][0]["content"]  # the DPO model's first turn
    system, user = {"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": p.question}
    ids = encode_chat(tok, [system, user, {"role": "assistant", "content": reply}], add_generation_prompt=False)
    q0 = len(encode_chat(tok, [system], add_generation_prompt=False))  # the user's turn: markers and question
    q1 = len(encode_chat(tok, [system, user], add_generation_prompt=False))
    a0 = len(encode_chat(tok, [system, user]))  # after "<|im_start|>assistant\n": what the model wrote
    maps = attention_maps(model, ids)  # (L, H, T, T)
    arrays[f"maps_{k}"] = maps[:, :, a0:, q0:q1].numpy().astype(np.float16)  # (L, H, written, question)
    arrays[f"tokens_{k}"] = np.array([tok.decode([t]) for t in ids])
    final = shown["transcripts"][split][0]["dpo"]["final_answer"]
    meta.append({"split": split, "question": p.question, "answer": str(p.answer), "final_answer": final,
                 "reply": reply, "question_span": [q0, q1], "written_span": [a0, len(ids)]})
arrays["meta"] = np.array(json.dumps({"run": str(run), "commit": commit, "examples": meta}))
np.savez_compressed(out / "agent_attention.npz", **arrays)
print(f"{out}: transcripts.json ({sum(map(len, picked.values()))} problems × 2 models), agent_attention.npz "
      f"({(out / 'agent_attention.npz').stat().st_size / 1e3:.0f} kB)")
