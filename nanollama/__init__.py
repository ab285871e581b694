"""NanoLlama-1B from scratch: a Llama-3-style model, its training recipe and a glass-box agent demo, one notebook per component

Modules:

- `nanollama.arithmetic`: A small grammar of word problems with training and held-out wordings kept apart, two-step problems, answers computed directly (never `eval`), a synthetic arithmetic textbook for pre-training, and tool-checked answers in one sandbox call per batch."""

__version__ = "0.1.0"
