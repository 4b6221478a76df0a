"""Evaluation a person can read: a text classifier on a held-out split, beside what simpler models do there.

Figures: accuracy, macro-F1, per-class precision/recall/F1, a confusion matrix (and its picture), the most
confidently wrong examples; two baselines computed on the very same split — the majority class of the training
part and TF-IDF (character 2–5-grams) + logistic regression trained on it — so the person sees what fine-tuning
bought. The split: a fine-tuned model's own held-out part (kept by its training job), or a dataset or file the
person names (its validation split, else the same stratified 10% a training would hold out).

Runs in a job's child process: torch, transformers and scikit-learn are imported there, never in the chat.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.services.training.errors import TrainingProblem

MAX_EXAMPLES = 20_000  # evaluated rows at most (a deterministic sample beyond)
WRONG_SHOWN = 10
SEED = 42


@dataclass
class Split:
    train_texts: list[str]
    train_labels: list[int]
    texts: list[str]
    labels: list[int]  # gold, as indexes into `names`
    names: list[str]
    source: str  # what the person named, or "the model's held-out split"


def _names_of(data) -> tuple[list[str], list[int], list[int]]:
    return list(data.labels), [int(v) for v in data.train["label"]], [int(v) for v in data.eval["label"]]


def split_from_job(model_dir: Path) -> Split | None:
    """The held-out split a fine-tuned model's training kept (`<model>/data`), if any."""
    from assistant.services.training.data import PreparedData

    data = PreparedData.load(model_dir / "data")
    if data is None or not data.labels:
        return None
    names, train_labels, labels = _names_of(data)
    return Split(list(data.train["text"]), train_labels, list(data.eval["text"]), labels, names, "")


def split_from_source(source, text_column: str | None, label_column: str | None, cache_dir: Path | None) -> Split:
    from assistant.services.training.data import prepare
    from assistant.services.training.tasks import CLASSIFICATION

    data = prepare(source, CLASSIFICATION, text_column=text_column, label_column=label_column, cache_dir=cache_dir)
    names, train_labels, labels = _names_of(data)
    return Split(list(data.train["text"]), train_labels, list(data.eval["text"]), labels, names, source.display)


def _sample(split: Split) -> Split:
    if len(split.texts) <= MAX_EXAMPLES:
        return split
    import random

    keep = sorted(random.Random(SEED).sample(range(len(split.texts)), MAX_EXAMPLES))
    return Split(split.train_texts, split.train_labels, [split.texts[i] for i in keep], [split.labels[i] for i in keep],
                 split.names, split.source)


def align_labels(model_labels: dict[int, str], names: list[str]) -> dict[int, int]:
    """Model output index → data label index, by name (case-insensitive); `LABEL_3` matches a data label "3"; data
    labelled only with numbers (0, 1 …) matches the model's output indexes (the Hub's label-id convention).
    A model label with no counterpart is absent (its predictions count as wrong)."""
    by_name = {n.strip().casefold(): i for i, n in enumerate(names)}
    out: dict[int, int] = {}
    for index, label in model_labels.items():
        key = str(label).strip().casefold()
        if key in by_name:
            out[index] = by_name[key]
            continue
        generic = re.fullmatch(r"label_(\d+)", key)
        if generic and generic.group(1) in by_name:
            out[index] = by_name[generic.group(1)]
    if not out and names and all(re.fullmatch(r"\d+", n.strip()) for n in names):
        out = {index: by_name[str(index)] for index in model_labels if str(index) in by_name}
    return out


def predict_probabilities(model_dir: Path, texts: list[str], on_batch=None, batch_size: int = 32):
    """Class probabilities for each text (numpy, rows × model labels) and the model's id → label names."""
    import numpy as np
    import torch
    import transformers
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir)
    model.eval()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)
    limit = min(int(getattr(tokenizer, "model_max_length", 512) or 512), 512)
    rows = []
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start:start + batch_size], truncation=True, max_length=limit, padding=True,
                              return_tensors="pt").to(device)
            logits = model(**batch).logits.float()
            rows.append(torch.softmax(logits, dim=-1).cpu().numpy())
            if on_batch is not None:
                on_batch(min(start + batch_size, len(texts)), len(texts))
    labels = {int(k): str(v) for k, v in (model.config.id2label or {}).items()}
    return (np.concatenate(rows) if rows else np.zeros((0, len(labels)))), labels


def classification_figures(gold: list[int], predicted: list[int], k: int) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix (rows: gold)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = list(range(k))
    # A prediction outside the data's labels (-1) is wrong for every class.
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    return {
        "accuracy": float(accuracy_score(gold, predicted)),
        "macro_f1": float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        "per_class": [{"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                      for p, r, f, s in zip(precision, recall, f1, support, strict=True)],
        "confusion": confusion_matrix(gold, predicted, labels=labels).tolist(),
    }


def baselines(split: Split) -> dict[str, dict[str, Any]]:
    """The majority class and TF-IDF + logistic regression, trained on the training part, scored on the split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    k = len(split.names)
    labels = list(range(k))
    majority = Counter(split.train_labels).most_common(1)[0][0] if split.train_labels else 0
    out = {"majority": {"accuracy": float(accuracy_score(split.labels, [majority] * len(split.labels))),
                        "macro_f1": float(f1_score(split.labels, [majority] * len(split.labels), labels=labels,
                                                   average="macro", zero_division=0)),
                        "label": split.names[majority]}}
    if len(set(split.train_labels)) >= 2:
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1,
                                     max_features=200_000)
        x_train = vectorizer.fit_transform(split.train_texts)
        clf = LogisticRegression(max_iter=2000, C=10.0, class_weight="balanced")
        clf.fit(x_train, split.train_labels)
        predicted = [int(p) for p in clf.predict(vectorizer.transform(split.texts))]
        out["tfidf_logreg"] = {"accuracy": float(accuracy_score(split.labels, predicted)),
                               "macro_f1": float(f1_score(split.labels, predicted, labels=labels, average="macro",
                                                          zero_division=0))}
    return out


def confidently_wrong(split: Split, predicted: list[int], confidence: list[float], model_names: list[str],
                      limit: int = WRONG_SHOWN) -> list[dict[str, Any]]:
    wrong = [i for i, (g, p) in enumerate(zip(split.labels, predicted, strict=True)) if g != p]
    wrong.sort(key=lambda i: -confidence[i])
    return [{"text": split.texts[i][:300], "gold": split.names[split.labels[i]],
             "predicted": model_names[i], "confidence": round(float(confidence[i]), 4)} for i in wrong[:limit]]


def score_model(model_dir: Path, split: Split, on_batch=None) -> dict[str, Any]:
    """One model's figures on the split (no baselines)."""
    if not split.texts:
        raise TrainingProblem("eval_empty")
    probs, model_labels = predict_probabilities(model_dir, split.texts, on_batch)
    mapping = align_labels(model_labels, split.names)
    if not mapping:
        raise TrainingProblem("eval_labels_mismatch", model_labels="، ".join(list(model_labels.values())[:10]),
                              data_labels="، ".join(split.names[:10]))
    best = probs.argmax(axis=1)
    predicted = [mapping.get(int(b), -1) for b in best]
    confidence = [float(probs[i, b]) for i, b in enumerate(best)]
    predicted_names = [model_labels.get(int(b), str(b)) for b in best]
    return {
        **classification_figures(split.labels, predicted, len(split.names)),
        "wrong": confidently_wrong(split, predicted, confidence, predicted_names),
        "unmapped_labels": sorted(v for k, v in model_labels.items() if k not in mapping),
    }


def evaluate(model_dir: Path, split: Split, on_batch=None) -> dict[str, Any]:
    """Every figure of the report, JSON-ready."""
    split = _sample(split)
    figures = score_model(model_dir, split, on_batch)
    return {"labels": split.names, "examples": len(split.texts), "train_examples": len(split.train_texts),
            "source": split.source, **figures, "baselines": baselines(split)}


def compare(models: list[tuple[Path, str]], split: Split, on_batch=None) -> dict[str, Any]:
    """Several models on the very same rows, with the baselines once."""
    split = _sample(split)
    rows = []
    for n, (model_dir, display) in enumerate(models):
        def step(done: int, total: int, n: int = n) -> None:
            if on_batch is not None:
                on_batch(n * total + done, len(models) * total)

        figures = score_model(model_dir, split, step)
        rows.append({"model": display, "accuracy": figures["accuracy"], "macro_f1": figures["macro_f1"],
                     "per_class": figures["per_class"]})
    return {"labels": split.names, "examples": len(split.texts), "source": split.source, "models": rows,
            "baselines": baselines(split)}


# -- causal language models: perplexity and samples --------------------------------------------------------------------
def lm_texts(model_dir: Path | None, source, text_column: str | None, cache_dir: Path | None) -> tuple[list[str], str]:
    """The held-out texts: a fine-tuned LM's own split, or a named dataset's (as a training would hold out)."""
    from assistant.services.training.data import PreparedData, prepare
    from assistant.services.training.tasks import GENERATION

    if source is not None:
        data = prepare(source, GENERATION, text_column=text_column, cache_dir=cache_dir)
        return list(data.eval["text"]), source.display
    data = PreparedData.load(model_dir / "data") if model_dir else None
    if data is None:
        raise TrainingProblem("eval_need_data", model=model_dir.name if model_dir else "?")
    return list(data.eval["text"]), ""


def perplexity(model_dir: Path, texts: list[str], on_batch=None, batch_size: int = 8) -> dict[str, float]:
    """exp(mean negative log-likelihood per predicted token) over the texts (each cut at 512 tokens)."""
    import math

    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    transformers.utils.logging.set_verbosity_error()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    model.eval()
    nll, tokens = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start:start + batch_size], truncation=True, max_length=512, padding=True,
                              return_tensors="pt")
            logits = model(**batch).logits[:, :-1].float()
            target = batch["input_ids"][:, 1:]
            mask = batch["attention_mask"][:, 1:].bool()
            losses = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1),
                                                       reduction="none").reshape(target.shape)
            nll += float(losses[mask].sum())
            tokens += int(mask.sum())
            if on_batch is not None:
                on_batch(min(start + batch_size, len(texts)), len(texts))
    loss = nll / max(tokens, 1)
    return {"perplexity": math.exp(min(loss, 50.0)), "loss": loss, "tokens": tokens}


def samples(model_dir: Path, texts: list[str], n: int = 3, prompt_words: int = 6) -> list[dict[str, str]]:
    """A few continuations of held-out texts' first words (greedy), to read beside the figure."""
    from transformers import pipeline

    pipe = pipeline("text-generation", model=str(model_dir), device=-1)
    tokenizer = pipe.tokenizer
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    out = []
    for text in [x for x in texts if len(x.split()) > 2][:n]:
        prompt = " ".join(text.split()[:prompt_words])
        generated = pipe(prompt, max_new_tokens=30, do_sample=False, return_full_text=False, repetition_penalty=1.3,
                         pad_token_id=pad)[0]["generated_text"]
        out.append({"prompt": prompt, "continuation": str(generated).strip()[:300]})
    return out


def evaluate_lm(model_dir: Path, texts: list[str], source: str, base_dir: Path | None, base_name: str | None,
                on_batch=None) -> dict[str, Any]:
    """Perplexity on the held-out texts, the base model's on the same texts (what fine-tuning bought), samples."""
    if not texts:
        raise TrainingProblem("eval_empty")
    texts = texts[:MAX_EXAMPLES]
    share = 0.5 if base_dir else 1.0
    figures = perplexity(model_dir, texts, (lambda d, t: on_batch(d * share, t)) if on_batch else None)
    report: dict[str, Any] = {"kind": "lm", "examples": len(texts), "source": source, **figures, "base": None}
    if base_dir is not None:
        base = perplexity(base_dir, texts, (lambda d, t: on_batch(t * 0.5 + d * 0.5, t)) if on_batch else None)
        report["base"] = {"model": base_name, **base}
    report["samples"] = samples(model_dir, texts)
    return report


def lm_report_text(report: dict[str, Any], model: str) -> str:
    from assistant.persian import fa_digits, format_number
    from prompts import t

    source = report["source"] or t("training.eval_own_split")
    lines = [t("training.eval_lm_header", model=model, source=source, count=fa_digits(report["examples"]),
               tokens=fa_digits(report["tokens"])), "", t("training.eval_lm_table_head"), "| --- | --- |",
             t("training.eval_lm_row", name=t("training.eval_model", model=model),
               ppl=format_number(report["perplexity"], 2))]
    base = report.get("base")
    if base:
        lines.append(t("training.eval_lm_row", name=t("training.eval_lm_base", model=base["model"]),
                       ppl=format_number(base["perplexity"], 2)))
        better = report["perplexity"] < base["perplexity"]
        lines += ["", t("training.eval_lm_better" if better else "training.eval_lm_worse",
                        ratio=format_number(max(report["perplexity"], base["perplexity"]) /
                                            max(min(report["perplexity"], base["perplexity"]), 1e-9), 2))]
    if report["samples"]:
        lines += ["", t("training.eval_lm_samples")]
        lines += [t("training.eval_lm_sample", prompt=x["prompt"], continuation=x["continuation"] or "—")
                  for x in report["samples"]]
    return "\n".join(lines)


# -- what the person reads --------------------------------------------------------------------------------------------
def report_text(report: dict[str, Any], model: str) -> str:
    """The Persian report: the comparison table first, then per-class figures and the worst mistakes."""
    from assistant.persian import fa_digits, format_percent
    from prompts import t

    base = report["baselines"]
    rows = [t("training.eval_row", name=t("training.eval_model", model=model),
              accuracy=format_percent(report["accuracy"]), f1=format_percent(report["macro_f1"]))]
    if "tfidf_logreg" in base:
        rows.append(t("training.eval_row", name=t("training.eval_tfidf"),
                      accuracy=format_percent(base["tfidf_logreg"]["accuracy"]),
                      f1=format_percent(base["tfidf_logreg"]["macro_f1"])))
    rows.append(t("training.eval_row", name=t("training.eval_majority", label=base["majority"]["label"]),
                  accuracy=format_percent(base["majority"]["accuracy"]), f1=format_percent(base["majority"]["macro_f1"])))
    source = report["source"] or t("training.eval_own_split")
    lines = [t("training.eval_header", model=model, source=source, count=fa_digits(report["examples"])),
             "", t("training.eval_table_head"), "| --- | --- | --- |", *rows, "", t("training.eval_verdict",
             gain=_gain(report))]
    lines += ["", t("training.eval_classes_head"), "| --- | --- | --- | --- | --- |"]
    for i, (name, c) in enumerate(zip(report["labels"], report["per_class"], strict=True)):
        lines.append(t("training.eval_class_row", n=fa_digits(i + 1), label=name, precision=format_percent(c["precision"]),
                       recall=format_percent(c["recall"]), support=fa_digits(c["support"])))
    if report["wrong"]:
        lines += ["", t("training.eval_wrong_head", count=fa_digits(len(report["wrong"])))]
        for w in report["wrong"]:
            lines.append(t("training.eval_wrong_row", text=w["text"][:160].replace("\n", " "), gold=w["gold"],
                           predicted=w["predicted"], confidence=format_percent(w["confidence"])))
    if report["unmapped_labels"]:
        lines += ["", t("training.eval_unmapped", labels="، ".join(report["unmapped_labels"][:10]))]
    return "\n".join(lines)


def _gain(report: dict[str, Any]) -> str:
    from assistant.persian import fa_digits
    from prompts import t

    tfidf = report["baselines"].get("tfidf_logreg")
    if tfidf is None:
        return t("training.eval_gain_none")
    delta = report["macro_f1"] - tfidf["macro_f1"]
    key = "eval_gain_better" if delta > 0.005 else "eval_gain_worse" if delta < -0.005 else "eval_gain_same"
    return t(f"training.{key}", points=fa_digits(f"{abs(delta) * 100:.1f}".rstrip("0").rstrip(".")))


def confusion_png(report: dict[str, Any], path: Path, cell: int = 56) -> Path:
    """The confusion matrix as a picture: rows are the true labels, columns the predicted ones, numbered as in the
    report's per-class table (the picture's font has digits only); darker cells hold a larger share of their row."""
    from assistant.services.training.plot import AXIS, GRID, Canvas

    matrix = report["confusion"]
    k = len(matrix)
    left, top = 60, 60
    width, height = left + k * cell + 20, top + k * cell + 20
    c = Canvas(max(width, 200), max(height, 160))
    for r, row in enumerate(matrix):
        total = sum(row) or 1
        for col, count in enumerate(row):
            share = count / total
            good = r == col
            base = (22, 163, 74) if good else (220, 38, 38)
            color = tuple(int(255 - (255 - ch) * share) for ch in base)
            x0, y0 = left + col * cell, top + r * cell
            c.rect(x0 + 1, y0 + 1, x0 + cell, y0 + cell, color)
            text = str(count)
            c.text(x0 + cell // 2 - 4 * len(text), y0 + cell // 2 - 5, text, (255, 255, 255) if share > 0.55 else AXIS)
    for i in range(k + 1):
        c.line(left, top + i * cell, left + k * cell, top + i * cell, GRID)
        c.line(left + i * cell, top, left + i * cell, top + k * cell, GRID)
    for i in range(k):
        c.text(left - 24, top + i * cell + cell // 2 - 5, str(i + 1))  # true label (row)
        c.text(left + i * cell + cell // 2 - 4, top - 22, str(i + 1))  # predicted label (column)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(c.png())
    return path


def compare_text(report: dict[str, Any]) -> str:
    from assistant.persian import fa_digits, format_percent
    from prompts import t

    source = report["source"] or t("training.eval_own_split")
    lines = [t("training.compare_header", source=source, count=fa_digits(report["examples"]),
               n=fa_digits(len(report["models"]))), "", t("training.compare_table_head"), "| --- | --- | --- | --- |"]
    ranked = sorted(report["models"], key=lambda m: -m["macro_f1"])
    for row in report["models"]:
        lines.append(t("training.compare_row", n=fa_digits(report["models"].index(row) + 1),
                       name=t("training.eval_model", model=row["model"]), accuracy=format_percent(row["accuracy"]),
                       f1=format_percent(row["macro_f1"])))
    base = report["baselines"]
    if "tfidf_logreg" in base:
        lines.append(t("training.compare_row", n="—", name=t("training.eval_tfidf"),
                       accuracy=format_percent(base["tfidf_logreg"]["accuracy"]),
                       f1=format_percent(base["tfidf_logreg"]["macro_f1"])))
    lines.append(t("training.compare_row", n="—", name=t("training.eval_majority", label=base["majority"]["label"]),
                   accuracy=format_percent(base["majority"]["accuracy"]), f1=format_percent(base["majority"]["macro_f1"])))
    lines += ["", t("training.compare_best", model=ranked[0]["model"], f1=format_percent(ranked[0]["macro_f1"]))]
    return "\n".join(lines)


def compare_png(report: dict[str, Any], path: Path) -> Path:
    """Bars of macro-F1 (dark) and accuracy (light) per model, numbered as in the table, then the TF-IDF baseline
    (grey) — a picture of the same figures the table gives."""
    from assistant.services.training.plot import AXIS, GRID, Canvas

    rows = [(m["macro_f1"], m["accuracy"], (37, 99, 235), (147, 197, 253)) for m in report["models"]]
    if "tfidf_logreg" in report["baselines"]:
        b = report["baselines"]["tfidf_logreg"]
        rows.append((b["macro_f1"], b["accuracy"], (107, 114, 128), (209, 213, 219)))
    left, top, bar, gap, width = 50, 30, 18, 16, 560
    height = top + len(rows) * (2 * bar + gap) + 40
    c = Canvas(left + width + 60, height)
    for i in range(5):
        x = left + width * i / 4
        c.line(x, top - 6, x, height - 30, GRID)
        c.text(int(x) - 10, height - 22, f"{25 * i}")
    for n, (f1, acc, dark, light) in enumerate(rows):
        y = top + n * (2 * bar + gap)
        c.rect(left, y, left + int(width * max(0.0, f1)), y + bar, dark)
        c.rect(left, y + bar, left + int(width * max(0.0, acc)), y + 2 * bar, light)
        label = str(n + 1) if n < len(report["models"]) else "tf"
        c.text(8, y + bar - 5, label, AXIS)
        c.text(left + int(width * max(f1, acc)) + 6, y + bar - 5, f"{f1 * 100:.0f}", AXIS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(c.png())
    return path


def add_to_card(card: Path, report: dict[str, Any], model: str, picture: str) -> None:
    """The evaluation as a section of the model card (replaced, not repeated, when evaluated again)."""
    _card_section(card, f"{report_text(report, model)}\n\n![]({picture})")


def _card_section(card: Path, body: str) -> None:
    from assistant.services.training.card import put_section
    from prompts import t

    put_section(card, "evaluation", t("training.eval_card_title"), body)


def save(report: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "evaluation.json"
    tmp = folder / "evaluation.json.partial"
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def run(ctx) -> dict[str, Any]:
    """The `evaluation` job: the split, the predictions (with progress and cancel), the report, the picture, the
    card. Deterministic, so a resumed job simply starts again."""
    from assistant.config import get_settings
    from assistant.jobs.context import JobError
    from assistant.persian import fa_digits, format_percent
    from assistant.services.files import shown
    from assistant.services.training.data import DataSource
    from prompts import t

    p = ctx.params
    model_dir = Path(p["model_path"])
    display = p["model_display"]
    ctx.progress(0.01, t("training.eval_status_data"), force=True)
    if p.get("task") == "text-generation":
        return _run_lm(ctx, model_dir, display)
    try:
        if p.get("dataset_path"):
            source = DataSource(p["dataset_kind"], Path(p["dataset_path"]), p.get("dataset_display") or "",
                                repo_id=p.get("dataset_repo_id"), fmt=p.get("dataset_format"))
            split = split_from_source(source, p.get("text_column"), p.get("label_column"),
                                      get_settings().data_dir / "cache" / "datasets")
        else:
            split = split_from_job(model_dir)
            if split is None:
                raise TrainingProblem("eval_need_data", model=display)

        def on_batch(done: int, total: int) -> None:
            ctx.check_cancel()
            ctx.progress(0.05 + 0.85 * done / max(total, 1),
                         t("training.eval_status_predicting", done=fa_digits(done), total=fa_digits(total)))

        ctx.progress(0.03, t("training.eval_status_model"), force=True)
        if p.get("compare"):
            report = compare([(Path(m["path"]), m["display"]) for m in p["compare"]], split, on_batch)
        else:
            report = evaluate(model_dir, split, on_batch)
    except TrainingProblem as exc:
        raise JobError(exc.message) from exc
    if p.get("compare"):
        folder = get_settings().data_dir / "evaluations" / f"job-{ctx.job_id}"
        save(report, folder)
        chart = compare_png(report, folder / "comparison.png")
        best = max(report["models"], key=lambda m: m["macro_f1"])
        return {"message": t("training.compare_best", model=best["model"], f1=format_percent(best["macro_f1"])),
                "reply": compare_text(report), "media": [{"kind": "image", "path": str(chart), "name": "comparison.png"}],
                "comparison": [{k: m[k] for k in ("model", "accuracy", "macro_f1")} for m in report["models"]],
                "report": shown(folder / "evaluation.json")}
    folder = model_dir / "evaluation" if p.get("own_folder") else \
        get_settings().data_dir / "evaluations" / f"job-{ctx.job_id}"
    report["model"] = display
    save(report, folder)
    picture = confusion_png(report, folder / "confusion.png")
    if p.get("own_folder"):
        add_to_card(model_dir / "README.md", report, display, "evaluation/confusion.png")
    summary = {"accuracy": round(report["accuracy"], 6), "macro_f1": round(report["macro_f1"], 6),
               "baselines": {k: {m: round(v[m], 6) for m in ("accuracy", "macro_f1")} for k, v in report["baselines"].items()},
               "examples": report["examples"]}
    return {
        "message": t("training.eval_done", accuracy=format_percent(report["accuracy"]),
                     f1=format_percent(report["macro_f1"]), count=fa_digits(report["examples"])),
        "reply": report_text(report, display),
        "media": [{"kind": "image", "path": str(picture), "name": "confusion.png"}],
        "evaluation": summary, "report": shown(folder / "evaluation.json"),
    }


# -- a whole file through a classifier («/try 5» with a CSV) ------------------------------------------------------------
MAX_LABELLED_ROWS = 100_000


def label_file(ctx) -> dict[str, Any]:
    """The `labelling` job: every row of the person's file through the model; the file comes back with the
    predicted label and its probability as two new columns (CSV), with the label counts in the chat."""
    from assistant.config import get_settings
    from assistant.jobs.context import JobError
    from assistant.persian import fa_digits, format_percent
    from assistant.services.files import shown
    from assistant.services.training.data import pick_text_column, read_file
    from prompts import t

    p = ctx.params
    source = Path(p["file_path"])
    display = p["model_display"]
    ctx.progress(0.01, t("training.eval_status_data"), force=True)
    try:
        df = read_file(source)
        if len(df) > MAX_LABELLED_ROWS:
            raise TrainingProblem("label_too_many", count=fa_digits(len(df)), limit=fa_digits(MAX_LABELLED_ROWS))
        column = pick_text_column(df, p.get("text_column"), exclude=set())
        texts = ["" if v is None or v != v else str(v) for v in df[column]]

        def on_batch(done: int, total: int) -> None:
            ctx.check_cancel()
            ctx.progress(0.03 + 0.9 * done / max(total, 1),
                         t("training.eval_status_predicting", done=fa_digits(done), total=fa_digits(total)))

        probs, model_labels = predict_probabilities(Path(p["model_path"]), texts, on_batch)
    except TrainingProblem as exc:
        raise JobError(exc.message) from exc
    best = probs.argmax(axis=1)
    out = df.copy()
    out["predicted_label"] = [model_labels.get(int(b), str(b)) for b in best]
    out["predicted_score"] = [round(float(probs[i, b]), 4) for i, b in enumerate(best)]
    folder = get_settings().data_dir / "labelled" / f"job-{ctx.job_id}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{source.stem[:80]}-labelled.csv"
    partial = folder / (target.name + ".partial")
    out.to_csv(partial, index=False, encoding="utf-8-sig")
    partial.replace(target)
    counts = Counter(out["predicted_label"])
    lines = [t("training.label_header", model=display, count=fa_digits(len(out)), column=column), ""]
    lines += [t("training.label_count", label=label, count=fa_digits(n), share=format_percent(n / len(out)))
              for label, n in counts.most_common()]
    lines += ["", t("training.label_file", name=target.name)]
    return {"message": t("training.label_done", count=fa_digits(len(out)), name=target.name), "reply": "\n".join(lines),
            "media": [{"kind": "file", "path": str(target), "name": target.name}],
            "counts": dict(counts), "rows": len(out), "output": shown(target)}


def _run_lm(ctx, model_dir: Path, display: str) -> dict[str, Any]:
    from assistant.config import get_settings
    from assistant.jobs.context import JobError
    from assistant.persian import fa_digits, format_number
    from assistant.services.files import shown
    from assistant.services.training.data import DataSource
    from prompts import t

    p = ctx.params
    source = None
    if p.get("dataset_path"):
        source = DataSource(p["dataset_kind"], Path(p["dataset_path"]), p.get("dataset_display") or "",
                            repo_id=p.get("dataset_repo_id"), fmt=p.get("dataset_format"))
    try:
        texts, shown_source = lm_texts(model_dir, source, p.get("text_column"),
                                       get_settings().data_dir / "cache" / "datasets")

        def on_batch(done: float, total: int) -> None:
            ctx.check_cancel()
            ctx.progress(0.05 + 0.8 * done / max(total, 1), t("training.eval_status_lm"))

        report = evaluate_lm(model_dir, texts, shown_source, Path(p["base_path"]) if p.get("base_path") else None,
                             p.get("base_display"), on_batch)
    except TrainingProblem as exc:
        raise JobError(exc.message) from exc
    report["model"] = display
    folder = model_dir / "evaluation" if p.get("own_folder") else \
        get_settings().data_dir / "evaluations" / f"job-{ctx.job_id}"
    save(report, folder)
    text = lm_report_text(report, display)
    if p.get("own_folder"):
        _card_section(model_dir / "README.md", text)
    return {"message": t("training.eval_lm_done", ppl=format_number(report["perplexity"], 2),
                         count=fa_digits(report["examples"])),
            "reply": text, "perplexity": round(report["perplexity"], 6),
            "base_perplexity": round(report["base"]["perplexity"], 6) if report.get("base") else None,
            "report": shown(folder / "evaluation.json")}
