"""NanoLlama-1B from scratch: a Llama-3-style model, its training recipe and a glass-box agent demo, one notebook per component

Modules:

- `nanollama.arithmetic`: A small grammar of word problems with training and held-out wordings kept apart, two-step problems, answers computed directly (never `eval`), a synthetic arithmetic textbook for pre-training, and tool-checked answers in one sandbox call per batch.
- `nanollama.quantize`: Why decoding one sequence is bound by memory, not arithmetic; what that bound is on this machine; weight-only int8 linear layers on PyTorch's own CPU kernel; what it costs in accuracy (top-1 agreement, perplexity) and what it buys in speed."""

__version__ = "0.1.0"
