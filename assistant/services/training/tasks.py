"""Training tasks: names and aliases, and which model architectures can do which task.

Text classification and causal-LM fine-tuning (LoRA) are implemented; token classification and seq2seq are
known names so that a request for them gets a clear answer, and `TASKS` is where their runners plug in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from assistant.persian import normalize
from assistant.services.training.errors import TrainingProblem

CLASSIFICATION = "text-classification"
GENERATION = "text-generation"
TOKEN_CLASSIFICATION = "token-classification"
SEQ2SEQ = "seq2seq"


@dataclass(frozen=True)
class TaskSpec:
    name: str
    implemented: bool
    needs_labels: bool
    pipeline: str
    lora: bool = False  # parameter-efficient by default


TASKS: dict[str, TaskSpec] = {
    CLASSIFICATION: TaskSpec(CLASSIFICATION, True, True, "text-classification"),
    GENERATION: TaskSpec(GENERATION, True, False, "text-generation", lora=True),
    TOKEN_CLASSIFICATION: TaskSpec(TOKEN_CLASSIFICATION, False, True, "token-classification"),
    SEQ2SEQ: TaskSpec(SEQ2SEQ, False, False, "text2text-generation"),
}

_ALIASES = {
    CLASSIFICATION: (
        "text-classification", "classification", "sequence-classification", "sentiment", "sentiment-analysis",
        "classify", "cls", "دسته‌بندی", "دسته‌بندی متن", "طبقه‌بندی", "طبقه‌بندی متن", "تحلیل احساسات", "احساسات",
    ),
    GENERATION: (
        "text-generation", "generation", "causal-lm", "causal_lm", "clm", "lm", "lora", "generate",
        "تولید متن", "مدل زبانی", "تولید",
    ),
    TOKEN_CLASSIFICATION: ("token-classification", "ner", "pos", "موجودیت نامدار", "برچسب‌گذاری توکن"),
    SEQ2SEQ: (
        "seq2seq", "text2text-generation", "translation", "summarization", "ترجمه", "خلاصه‌سازی", "خلاصه",
    ),
}


def task_label(task: str) -> str:
    from prompts import has, t

    return t(f"training.task.{task}") if has(f"training.task.{task}") else task


def parse_task(value: str | None) -> str | None:
    """A task name or alias (Persian or English) → its canonical name; None when not given; a problem if unknown."""
    if value is None or not str(value).strip():
        return None
    text = normalize(str(value)).lower().replace("_", "-")
    for task, aliases in _ALIASES.items():
        if text in {normalize(a).lower().replace("_", "-") for a in aliases}:
            return task
    raise TrainingProblem("task_unknown", task=str(value)[:60])


def read_config(model_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@cache
def _mappings() -> dict[str, frozenset[str]]:
    from transformers.models.auto import modeling_auto as auto

    return {
        "causal": frozenset(auto.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES),
        "masked": frozenset(auto.MODEL_FOR_MASKED_LM_MAPPING_NAMES),
        "sequence": frozenset(auto.MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES),
        "token": frozenset(auto.MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES),
        "seq2seq": frozenset(auto.MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES),
        # Speech models (Whisper, wav2vec2, VITS…): some have text-decoder classes, none is trained on text alone.
        "speech": frozenset().union(*(
            getattr(auto, name, {}) for name in (
                "MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES", "MODEL_FOR_CTC_MAPPING_NAMES",
                "MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING_NAMES", "MODEL_FOR_TEXT_TO_WAVEFORM_MAPPING_NAMES",
                "MODEL_FOR_TEXT_TO_SPECTROGRAM_MAPPING_NAMES",
            )
        )),
    }


def _is_generative(model_type: str, config: dict[str, Any]) -> bool:
    maps = _mappings()
    if config.get("is_encoder_decoder"):
        return False
    archs = config.get("architectures") or []
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs) and model_type not in maps["masked"]:
        return True
    # Encoder families (BERT, RoBERTa…) also have a causal head class, but they are not trained to generate.
    return model_type in maps["causal"] and model_type not in maps["masked"]


def tasks_for(config: dict[str, Any]) -> set[str]:
    """The training tasks a model of this config can be fine-tuned for."""
    model_type = str(config.get("model_type") or "")
    maps = _mappings()
    found: set[str] = set()
    if model_type in maps["speech"]:
        return found
    if model_type in maps["sequence"]:
        found.add(CLASSIFICATION)
    if _is_generative(model_type, config):
        found.add(GENERATION)
    if model_type in maps["token"]:
        found.add(TOKEN_CLASSIFICATION)
    if model_type in maps["seq2seq"]:
        found.add(SEQ2SEQ)
    return found


def default_task(config: dict[str, Any]) -> str | None:
    """The task a model is most likely meant for, from its saved architecture."""
    archs = config.get("architectures") or []
    possible = tasks_for(config)
    if any("SequenceClassification" in a for a in archs) and CLASSIFICATION in possible:
        return CLASSIFICATION
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs) and GENERATION in possible:
        return GENERATION
    if any("ConditionalGeneration" in a for a in archs) and SEQ2SEQ in possible:
        return SEQ2SEQ
    if any("TokenClassification" in a for a in archs) and TOKEN_CLASSIFICATION in possible:
        return TOKEN_CLASSIFICATION
    for task in (CLASSIFICATION, GENERATION):
        if task in possible:
            return task
    return None


def check_model_task(model_name: str, config: dict[str, Any], task: str | None) -> str:
    """The task to train, or a problem when the model's architecture cannot do it."""
    model_type = str(config.get("model_type") or "")
    possible = tasks_for(config) if model_type else set()
    if not possible:
        raise TrainingProblem("model_unknown_arch", model=model_name, model_type=model_type or "?")
    chosen = task or default_task(config)
    if chosen is None:
        raise TrainingProblem("model_unknown_arch", model=model_name, model_type=model_type)
    if chosen not in possible:
        from prompts import t

        hint = t("training.arch_hint_generation" if chosen == GENERATION else "training.arch_hint_classification")
        raise TrainingProblem("arch_cannot", model=model_name, model_type=model_type, task=task_label(chosen), hint=hint)
    if not TASKS[chosen].implemented:
        raise TrainingProblem("task_not_yet", task=task_label(chosen))
    return chosen


def has_tokenizer(model_dir: Path) -> bool:
    names = (
        "tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "spiece.model", "sentencepiece.bpe.model",
        "tokenizer.model",
    )
    return any((model_dir / n).exists() for n in names)
