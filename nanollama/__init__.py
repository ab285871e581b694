"""NanoLlama-1B from scratch: a Llama-3-style model, its training recipe and a glass-box agent demo, one notebook per component

Modules:

- `nanollama.arithmetic`: A small grammar of word problems with training and held-out wordings kept apart, two-step problems, answers computed directly (never `eval`), a synthetic arithmetic textbook for pre-training, and tool-checked answers in one sandbox call per batch.
- `nanollama.variants`: QK-norm, ReLU², logit soft-capping, an untied head and Muon (nanochat); PolyGLU (PolychromaticLM); BitNet b1.58, multi-head latent attention, Mamba and stochastic weight averaging (NanoPrime / Elleci) — each a swap-in for one part of NanoLlama, each tested against its formula, all trained side by side at equal tokens and equal time."""

__version__ = "0.1.0"
