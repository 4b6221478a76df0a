"""Environment defaults that must be in place before third-party libraries are imported."""

import os

_DEFAULTS = {
    # litellm fetches a price list from the internet at import unless told otherwise.
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "ANONYMIZED_TELEMETRY": "False",
}


def apply_runtime_env() -> None:
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)
