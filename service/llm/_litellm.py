"""Import litellm quietly and offline.

`LITELLM_LOCAL_MODEL_COST_MAP` must be set before the import, or litellm fetches its price
map from the internet at import time. Telemetry and the debug banners are switched off.
"""

from __future__ import annotations

import logging
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_LOG", "ERROR")

import litellm

litellm.telemetry = False
litellm.suppress_debug_info = True
litellm.set_verbose = False
for _name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm"):
    logging.getLogger(_name).setLevel(logging.ERROR)

__all__ = ["litellm"]
