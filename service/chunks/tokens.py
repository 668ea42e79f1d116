"""Token counts for chunk budgets: the model's own tokenizer when at hand, else a calibrated estimate.

The estimate was calibrated against Qwen2.5's tokenizer (served by the embedded llama.cpp) on
the seed reports: Chinese runs at about 1.6 characters per token, digits one per token, other
ASCII about 3.5 characters per token. `tests/test_tokens.py` keeps it honest against the real
tokenizer when the local model is installed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

TokenCounter = Callable[[str], int]

_CJK_RE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’、。]")
_DIGIT_RE = re.compile(r"\d")
CJK_CHARS_PER_TOKEN = 1.6
ASCII_CHARS_PER_TOKEN = 3.5


def estimate_tokens(text: str) -> int:
    cjk = len(_CJK_RE.findall(text))
    digits = len(_DIGIT_RE.findall(text))
    other = len(text) - cjk - digits
    return int(cjk / CJK_CHARS_PER_TOKEN + digits + other / ASCII_CHARS_PER_TOKEN + 0.999)
