"""The intent layer: which tool a Persian message asks for, learned from the corpus (agents/corpus/*.jsonl).

A linear model over hashed word and character n-grams of a canonical form of the text, in which the ways
people spell the same thing (ZWNJ, space or nothing; Arabic ي/ك; آ/ا; Persian, Arabic or Latin digits; repeated
letters) coincide, and ids, paths, numbers and URLs become type tokens (‹repo›, ‹num› …). It is trained with scikit-learn at build
time (`python -m agents.intent build`, run by `make setup`) or on first use, cached under `.cache/` keyed by the
corpus, this file and the tools' argument models, and loaded with numpy alone: a fresh process predicts in a few milliseconds.

Probabilities are calibrated by one temperature fitted on predictions for held-out families, so "0.6" means
about 60% of such answers are right; the router asks a question below a threshold instead of guessing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from agents.patterns import HF_TOKEN, HUB_REPO_URL, HUB_SEARCH_URL, REPO_ID

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
CALIBRATION = Path(__file__).resolve().parent / "calibration.json"
NONE = "none"
_BITS = 20
_MASK = (1 << _BITS) - 1

# -- canonical text ----------------------------------------------------------------------------------------------------
_CANON_CHARS = str.maketrans(
    {
        "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ؤ": "و", "أ": "ا", "إ": "ا", "آ": "ا",
        "\u0654": None, "\u0640": None, "\u200c": " ", "\u200b": " ", "\u200d": " ", "\u00ac": " ", "\ufeff": None,
        "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4", "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
        "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
        "٫": ".", "٬": ",", "،": " ، ", "؛": " ، ", "؟": " ? ", "?": " ? ", "!": " ! ", "«": " ", "»": " ",
        "\"": " ", "'": " ", "(": " ", ")": " ", "[": " ", "]": " ", "…": " ",
    }
)
_DIACRITICS = re.compile(r"[\u064b-\u065f\u0670]")
_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_AUDIO_EXT = r"wav|mp3|ogg|opus|m4a|webm|flac|aac|oga|mp4|amr"
_DATA_EXT = r"csv|tsv|jsonl|json|parquet|txt|xlsx|xls"
_PATH = re.compile(rf"(?:[~.]?/|[A-Za-z]:\\)?[\w\-./\\]*\.(?:({_AUDIO_EXT})|({_DATA_EXT}))\b", re.I)
_DIR = re.compile(r"(?<!\S)(?:~|\.{1,2})?/[\w\-./]+")
_NUMBER = re.compile(r"(?<![A-Za-z_])[+-]?\d+(?:[.,]\d+)?(?:e[+-]?\d+)?(?![A-Za-z_])", re.I)
_REPEATS = re.compile(r"(\D)\1{2,}")
# Written apart or joined, these are one word to the model: «می خوام», «می‌خوام», «میخوام».
_PREFIX_APART = re.compile(r"(?<!\S)(ن?می|ب) (?=\S)")
_SUFFIX_APART = re.compile(r"(?<=\S) (ها|های|هایی|هام|هات|هاش|هامون|هاتون|هاشون)(?!\S)")


@lru_cache(maxsize=8192)  # argument rules ask for the same message's (and lexicon names') form many times
def canonical(text: str) -> str:
    """One spelling for the many ways a Persian message is typed or transcribed; type tokens for values."""
    text = HUB_SEARCH_URL.sub(" ‹hub-search› ", text)
    text = HUB_REPO_URL.sub(" ‹repo› ", text)  # a repo's page is the repo, not a mirror's address
    text = _URL.sub(" ‹url› ", text)
    text = HF_TOKEN.sub(" ‹token› ", text)
    text = _PATH.sub(lambda m: " ‹audio› " if m.group(1) else " ‹data› ", text)
    text = REPO_ID.sub(" ‹repo› ", text)
    text = _DIR.sub(" ‹path› ", text)
    text = _DIACRITICS.sub("", text.translate(_CANON_CHARS)).lower()
    text = _NUMBER.sub(" ‹num› ", text)
    text = re.sub(r"[:=]", " = ", text)
    text = _REPEATS.sub(r"\1", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _PREFIX_APART.sub(lambda m: m.group(1) if m.group(1) != "ب" else "ب ", text)
    text = _SUFFIX_APART.sub(r"\1", text)
    return text


@lru_cache(maxsize=1)
def _latin_words() -> dict[str, list[str]]:
    """Persian written in Latin letters («lotfan kar 3 ro cancel kon») and English words people mix in, each to the
    Persian word it stands for (agents/finglish.tsv), in canonical form."""
    path = Path(__file__).resolve().parent / "finglish.tsv"
    table: dict[str, list[str]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            latin, sep, persian = line.partition("\t")
            if sep and not latin.startswith("#"):
                table[latin.strip().lower()] = canonical(persian).split()
    return table


@lru_cache(maxsize=1)
def _latin_skeletons() -> dict[str, list[str]]:
    """Chat shorthand drops the vowels («krdm», «bgrd», «kn»): each table word's consonants, where only one
    Persian word has them."""
    found: dict[str, set[tuple[str, ...]]] = {}
    for latin, persian in _latin_words().items():
        skeleton = re.sub(r"[aeiou'\-]", "", latin)
        if len(skeleton) >= 2:
            found.setdefault(skeleton, set()).add(tuple(persian))
    return {k: list(next(iter(v))) for k, v in found.items() if len(v) == 1}


# Persian endings written onto a Latin word: «model-haye», «dataset-am», «download‌های» (ZWNJ, then canonical join).
_LATIN_SUFFIX = {"ha": "ها", "haa": "ها", "hay": "ها", "hai": "ها", "haye": "های", "hayi": "هایی", "am": "م",
                 "m": "م", "at": "ت", "et": "ت", "ash": "ش", "esh": "ش", "emun": "مون", "amun": "مون",
                 "etun": "تون", "atun": "تون", "e": "", "ye": "", "i": "ی", "o": "و"}
_LATIN_THEN_PERSIAN = re.compile(r"^([a-z][a-z'\-]*?)-?(ها|های|هایی|هام|هات|هاش|مون|تون|ام|ای|ات|اش|م|ت|ش|ی|و)$")


def _read_latin(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Latin words the table knows become their Persian words, so that the model reads a message typed in Latin
    letters as it reads the same words in Persian; the Latin words themselves are kept as features too."""
    table = _latin_words()
    out: list[str] = []
    kept: list[str] = []

    def word(latin: str) -> list[str] | None:
        latin = latin.strip(".,;:!")
        if latin in table:
            return list(table[latin])
        if len(latin) >= 2 and not re.search(r"[aeiou]", latin) and latin in _latin_skeletons():
            return list(_latin_skeletons()[latin])
        head, _, tail = latin.partition("-")
        if tail and head in table:  # «model-e», «dataset-haye», «list-e model-ha»
            words = list(table[head])
            for part in tail.split("-"):
                if part in _LATIN_SUFFIX:
                    words[-1] += _LATIN_SUFFIX[part]
                elif part in table:
                    words += table[part]
            return words
        return None

    for w in tokens:
        persian = None
        if w.isascii():
            persian = word(w)
        elif m := _LATIN_THEN_PERSIAN.match(w):
            stem = word(m.group(1))
            persian = stem[:-1] + [stem[-1] + m.group(2)] if stem else None
        if persian:
            out += persian
            kept.append(w)
        else:
            out.append(w)
    return out, kept


_SECOND_PERSON = re.compile(r"^ن?می\S{2,}(?:ی|ید|ین)$")
_YOU = frozenset(("بلدی", "داری", "نداری", "هستی", "نیستی", "بلدید", "دارید", "هستید", "باهات", "ازت", "بهت", "برات",
                  "خودت", "باهاتون", "ازتون", "بهتون", "you", "your", "u"))


def features(text: str) -> list[str]:
    """Word unigrams, bigrams and pairs one word apart, character 2–5-grams inside words and across word
    boundaries, the last words (Persian verbs come last), second person, the lexicon's concepts."""
    tokens, latin = _read_latin([w for w in canonical(text).split() if w not in ("،",)])
    feats = [f"w:{w}" for w in tokens] + [f"w:{w}" for w in latin]
    feats += [f"b:{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    # Pairs one word apart: a pair of words stays a feature when a word is slipped in between or one is left out.
    feats += [f"s:{a}_{b}" for a, b in zip(tokens, tokens[2:], strict=False)]
    for w in tokens:
        if w.startswith("‹"):
            continue
        padded = f" {w} "
        for n in (2, 3, 4, 5):
            feats += [f"c:{padded[i:i + n]}" for i in range(max(1, len(padded) - n + 1))]
    # Character 3–5-grams across a word boundary: the end of one word and the start of the next, so that a phrase
    # still counts when its words are joined, split or suffixed differently («دانلودش کن», «دانلود کنش»).
    joined = " " + " ".join(w for w in tokens if not w.startswith("‹")) + " "
    for n in (3, 4, 5):
        feats += [f"x:{g}" for i in range(len(joined) - n + 1) if " " in (g := joined[i:i + n]).strip()]
    # Speaking to the assistant (second person: «می‌تونی», «بلدی», «بهت») is what sets a question about what it can
    # do apart from a question about ML or other tools.
    if any(_SECOND_PERSON.match(w) or w in _YOU for w in tokens):
        feats.append("you")
    words = [w for w in tokens if w not in ("?", "!")]
    if words:
        feats.append(f"last:{words[-1]}")
        feats.append(f"first:{words[0]}")
        if len(words) > 1:
            feats.append(f"last2:{words[-2]}_{words[-1]}")
    feats.append(f"len:{min(len(words), 6)}")
    if "?" in tokens:
        feats.append("q")
    text = " ".join(tokens)
    tail = " ".join(words[-2:])
    found = []
    hidden: dict[str, str] = {}  # concept → the text with a shadowing concept's phrases blanked (lexicon.SHADOWS)
    for name, pattern in _concepts():
        seen_in = hidden.get(name, text)
        if pattern.search(seen_in):
            found.append(name)
            feats.append(f"k:{name}")
            if pattern.search(tail) and seen_in is text:
                feats.append(f"k@last:{name}")
            for other in _shadows().get(name, ()):
                hidden[other] = pattern.sub(lambda m: " " * len(m.group(0)), hidden.get(other, text))
    feats += [f"kk:{a}_{b}" for i, a in enumerate(found) for b in found[i + 1 :]]
    return feats


@lru_cache(maxsize=1)
def _shadows() -> dict[str, tuple[str, ...]]:
    from agents.lexicon import SHADOWS

    return SHADOWS


@lru_cache(maxsize=1)
def _concepts() -> list[tuple[str, re.Pattern[str]]]:
    """The lexicon's concepts as patterns; a shadowing concept comes before those it hides."""
    from agents.lexicon import CONCEPTS, SHADOWS, WHOLE_WORDS

    first = [n for n in CONCEPTS if n in SHADOWS]
    out = []
    for name, entries in sorted(CONCEPTS.items(), key=lambda item: item[0] not in first):
        forms = sorted({canonical(e) if not e.startswith("‹") else e for e in entries}, key=len, reverse=True)
        end = r"(?!\S)" if name in WHOLE_WORDS else ""
        out.append((name, re.compile(r"(?<!\S)(?:" + "|".join(re.escape(f) for f in forms if f) + ")" + end)))
    return out


def _index(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & _MASK


def _vector(text: str) -> dict[int, float]:
    counts: dict[int, float] = {}
    for f in features(text):
        i = _index(f)
        counts[i] = counts.get(i, 0.0) + 1.0
    norm = sum(v * v for v in counts.values()) ** 0.5 or 1.0
    return {i: v / norm for i, v in counts.items()}


# -- the corpus ----------------------------------------------------------------------------------------------------------
def load_corpus(directory: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    records = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                record["label"] = record.get("tool") or NONE
                records.append(record)
    return records


# -- the model -------------------------------------------------------------------------------------------------------
def _mix(first: Sequence[float], second: Sequence[float], share: float) -> list[float]:
    """Two opinions on the same labels: a weighted geometric mean of their probabilities, renormalized."""
    import math

    mixed = [share * math.log(max(a, 1e-300)) + (1 - share) * math.log(max(b, 1e-300))
             for a, b in zip(first, second, strict=True)]
    top = max(mixed)
    exps = [math.exp(m - top) for m in mixed]
    return [e / sum(exps) for e in exps]


@dataclass
class TaskVectors:
    """A goal's or search's Hub task read from the tuned encoder's sentence vector (a linear head fitted at build time
    on the corpus's tasked messages), the second opinion of the word task head when that is unsure."""

    labels: list[str]
    weights: Any  # (len(labels), encoder.DIM) float32
    bias: Any  # (len(labels),) float32
    encoder: str  # the engine file it was fitted with: another tuning's vectors mean other things

    def probs(self, text: str) -> dict[str, float] | None:
        import numpy as np

        from agents import encoder

        head = encoder.tuned_head() if encoder.enabled() else None
        if head is None or head.engine_file.name != self.encoder:
            return None
        vector = encoder.embed_one(text)
        if vector is None:
            return None
        logits = self.weights @ vector + self.bias
        p = np.exp(logits - logits.max())
        return dict(zip(self.labels, (p / p.sum()).tolist(), strict=True))


@dataclass
class IntentModel:
    labels: list[str]
    index: Any  # sorted feature ids that carry weights (numpy int64)
    weights: Any  # (len(index), len(labels)) float32
    bias: Any  # (len(labels),) float32
    temperature: float = 1.0
    # Each tool's argument defaults, read from the tool registry at build time (the registry is slow to import).
    defaults: dict[str, dict[str, Any]] | None = None
    # A second head: the Hub task a search asks for when no task name is said («… بفهمم مشتریا راضی‌ان یا نه»).
    task_head: IntentModel | None = None
    task_vectors: TaskVectors | None = None

    # Held-out families: a goal's task right 81.8% at 0.5, 88.5% at 0.3 (searches 93.8 → 95.4%; training 94.8 → 94.2%).
    def task(self, text: str, threshold: float = 0.3) -> str | None:
        if self.task_head is None:
            return None
        ranked = self.task_head.predict(text, second=False)
        label, p = ranked[0]
        other = self.task_vectors.probs(text) if self.task_vectors and p < TASK_SECOND_OPINION else None
        if other is not None:
            mixed = _mix([q for _, q in ranked], [other.get(lab, 0.0) for lab, _ in ranked], TASK_WORD_SHARE)
            p, label = max(zip(mixed, (lab for lab, _ in ranked), strict=True))
        return label if label != NONE and p >= threshold else None

    def scores(self, text: str) -> list[float]:
        import numpy as np

        vec = _vector(text)
        ids = np.fromiter(vec.keys(), dtype=np.int64, count=len(vec))
        vals = np.fromiter(vec.values(), dtype=np.float32, count=len(vec))
        pos = np.searchsorted(self.index, ids)
        pos = np.minimum(pos, len(self.index) - 1)
        hit = self.index[pos] == ids
        return (vals[hit] @ self.weights[pos[hit]] + self.bias).tolist()

    def _probs(self, scores: list[float]) -> list[float]:
        import math

        logits = [s / self.temperature for s in scores]
        top = max(logits)
        exps = [math.exp(s - top) for s in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def _ranked(self, probs: list[float]) -> list[tuple[str, float]]:
        return sorted(zip(self.labels, probs, strict=True), key=lambda p: -p[1])

    def predict(self, text: str, second: bool = True) -> list[tuple[str, float]]:
        """Labels with calibrated probabilities, likeliest first; below SECOND_OPINION mixed with the tuned sentence
        encoder's (a weighted geometric mean, renormalized)."""
        probs = self._probs(self.scores(text))
        if second and max(probs) < SECOND_OPINION:
            from agents import encoder

            other = encoder.intent_probs(text, self.labels)
            if other is not None:
                probs = _mix(probs, other, WORD_SHARE)
        return self._ranked(probs)

    def _arrays(self, prefix: str) -> dict[str, Any]:
        import numpy as np

        meta = {"labels": self.labels, "temperature": self.temperature, "defaults": self.defaults or {}}
        return {f"{prefix}index": self.index, f"{prefix}weights": self.weights, f"{prefix}bias": self.bias,
                f"{prefix}meta": np.array(json.dumps(meta))}

    def save(self, path: Path) -> None:
        import numpy as np

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        arrays = self._arrays("")
        if self.task_head is not None:
            arrays.update(self.task_head._arrays("task_"))
        if self.task_vectors is not None:
            tv = self.task_vectors
            arrays.update({"taskvec_weights": tv.weights, "taskvec_bias": tv.bias,
                           "taskvec_meta": np.array(json.dumps({"labels": tv.labels, "encoder": tv.encoder}))})
        np.savez(tmp, **arrays)
        os.replace(tmp, path)

    @classmethod
    def _from(cls, data: Any, prefix: str) -> IntentModel:
        meta = json.loads(str(data[f"{prefix}meta"]))
        return cls(meta["labels"], data[f"{prefix}index"], data[f"{prefix}weights"], data[f"{prefix}bias"],
                   meta["temperature"], meta.get("defaults") or {})

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        import numpy as np

        with np.load(path) as data:
            model = cls._from(data, "")
            if "task_meta" in data:
                model.task_head = cls._from(data, "task_")
            if "taskvec_meta" in data:
                meta = json.loads(str(data["taskvec_meta"]))
                model.task_vectors = TaskVectors(meta["labels"], data["taskvec_weights"], data["taskvec_bias"],
                                                 meta["encoder"])
            return model


def _matrix(texts: Sequence[str]):
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for r, text in enumerate(texts):
        for i, v in _vector(text).items():
            rows.append(r)
            cols.append(i)
            vals.append(v)
    return csr_matrix((vals, (rows, cols)), shape=(len(texts), 1 << _BITS), dtype="float64")


C = 35.0  # inverse regularization; chosen on held-out families (20 → 35: label accuracy 91.30% → 91.47%; 50 the same)
# Below SECOND_OPINION (the word model's calibrated top probability) the tuned sentence encoder (agents/encoder.py,
# agents/finetune.py) is asked too, and the two are mixed, the word model's log-probabilities weighing WORD_SHARE.
# Chosen on held-out families (classifier label accuracy, 15,674 messages; word model alone 88.6%, tuned encoder alone
# 89.7%): word share 0.4 asked below 0.8 / 0.9 / 0.95 / always → 91.9 / 92.1 / 92.2 / 92.3%; share 0.5 → 92.1 / 92.3 /
# 92.5 / 92.6%; share 0.3 lower. 0.9 asks for 30% of unseen messages (0.95: 39%), so the median message still never
# waits for the encoder (~10 ms). An earlier corpus chose 0.8 / 0.4: at 0.9 the encoder then overruled a word model
# sure at 0.87 that «یه مدل برام آموزش بده» asks for a training; bare requests like it are in the corpus now.
SECOND_OPINION = 0.9
WORD_SHARE = 0.5
# A goal's or search's task: below TASK_SECOND_OPINION (the word task head's top probability) a linear head over the
# tuned encoder's vector answers too, the word head's log-probabilities weighing TASK_WORD_SHARE. Chosen on held-out
# families (4,141 messages of the tools that take a task; the right task, "none" included): word task head alone
# 93.2%, vectors alone 83.0%, mixed 94.2% (C 3 / 10 / 30: 94.1 / 94.2 / 94.3%; share 0.6–0.8 and asking below
# 0.7 … always all within 0.2 points). Below 0.7 asks the encoder for 18% of those messages.
TASK_SECOND_OPINION = 0.7
TASK_WORD_SHARE = 0.7
TASK_VECTOR_C = 10.0


def fit(texts: Sequence[str], labels: Sequence[str], temperature: float = 1.0) -> IntentModel:
    """Train on these messages (scikit-learn, imported only here)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = _matrix(texts)
    used = np.unique(x.indices).astype(np.int64)
    x = x[:, used]  # only the columns that occur: the solver works on ~10⁵, not 10⁶
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    clf.fit(x, list(labels))
    weights = clf.coef_.T.astype(np.float32)
    if len(clf.classes_) == 2:  # binary models keep one row; never the case with the real corpus
        weights = np.hstack([-weights, weights])
    return IntentModel([str(c) for c in clf.classes_], used, np.ascontiguousarray(weights),
                       clf.intercept_.astype(np.float32), temperature)


def group_folds(records: Sequence[dict[str, Any]], k: int = 5) -> list[list[int]]:
    """Record indexes of k folds; every family falls in exactly one fold (stable, by the family's name)."""
    folds: list[list[int]] = [[] for _ in range(k)]
    for i, rec in enumerate(records):
        folds[zlib.crc32(rec["family"].encode()) % k].append(i)
    return folds


def fit_temperature(logits: Sequence[Sequence[float]], gold: Sequence[int]) -> float:
    """The temperature that minimizes the negative log-likelihood of held-out predictions."""
    import numpy as np

    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(gold)
    best, best_nll = 1.0, float("inf")
    for temp in np.exp(np.linspace(np.log(0.05), np.log(20), 120)):
        s = z / temp
        s = s - s.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        nll = -logp[np.arange(len(y)), y].mean()
        if nll < best_nll:
            best, best_nll = float(temp), nll
    return best


def held_out_logits(records: Sequence[dict[str, Any]], k: int = 5) -> tuple[list[str], list[list[float]], list[int]]:
    """Each record's logits from a model that never saw its family; the labels' order and gold indexes."""
    labels = sorted({r["label"] for r in records})
    out: list[list[float]] = [[] for _ in records]
    for fold in group_folds(records, k):
        held = set(fold)
        keep = [i for i in range(len(records)) if i not in held]
        model = fit([records[i]["text"] for i in keep], [records[i]["label"] for i in keep])
        for i in fold:
            scores = dict(zip(model.labels, model.scores(records[i]["text"]), strict=True))
            out[i] = [scores.get(lab, -1e3) for lab in labels]
    return labels, out, [labels.index(r["label"]) for r in records]


TASK_TOOLS = ("search_models", "search_datasets", "catalog", "start_training", "plan_goal")


def fit_router(records: Sequence[dict[str, Any]], temperature: float = 1.0, vectors: bool = True) -> IntentModel:
    """The intent model with its task heads, trained on these records (`vectors`: the one over the tuned encoder's
    vectors too, when the encoder is at hand; it embeds every tasked message, ~30 s)."""
    texts, labels = [r["text"] for r in records], [r["label"] for r in records]
    model = fit(texts, labels, temperature)
    tasked = [r for r in records if r["label"] in TASK_TOOLS]
    tasks = [r["args"].get("task") or NONE for r in tasked]
    model.task_head = fit([r["text"] for r in tasked], tasks)
    model.task_vectors = fit_task_vectors([r["text"] for r in tasked], tasks) if vectors else None
    return model


def fit_task_vectors(texts: Sequence[str], tasks: Sequence[str]) -> TaskVectors | None:
    """The task head over the tuned encoder's vectors (the encoder in use: the project's, or a benchmark fold's);
    None without the encoder."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from agents import encoder

    head = encoder.tuned_head() if encoder.available() else None
    if head is None or len(set(tasks)) < 2:
        return None
    vectors = encoder.embed(list(texts))
    clf = LogisticRegression(C=TASK_VECTOR_C, max_iter=3000).fit(vectors, list(tasks))
    weights, bias = clf.coef_.astype(np.float32), clf.intercept_.astype(np.float32)
    if len(clf.classes_) == 2:  # one row for the second class: softmax([0, z]) is its sigmoid
        weights, bias = np.vstack([np.zeros_like(weights), weights]), np.array([0.0, bias[0]], dtype=np.float32)
    return TaskVectors([str(c) for c in clf.classes_], np.ascontiguousarray(weights), bias, head.engine_file.name)


def temperature(records: Sequence[dict[str, Any]], stored: bool = False) -> float:
    """The word model's temperature, fitted on held-out families. That takes five model fits (~3 minutes on two
    cores), so for the project's corpus the result is kept in agents/calibration.json under the key of what it
    depends on and fitted again only when that changes (commit the file after a change)."""
    key = _calibration_key(records)
    if stored and CALIBRATION.exists():
        try:
            saved = json.loads(CALIBRATION.read_text(encoding="utf-8"))
            if saved.get("key") == key:
                return float(saved["temperature"])
        except (ValueError, KeyError, TypeError):
            pass
    _, logits, gold = held_out_logits(records)
    found = fit_temperature(logits, gold)
    if stored:
        try:
            CALIBRATION.write_text(json.dumps({"key": key, "temperature": found}, indent=1) + "\n", encoding="utf-8")
        except OSError:
            pass  # a read-only checkout keeps fitting
    return found


def _calibration_key(records: Sequence[dict[str, Any]]) -> str:
    """What the fits see: every message's features and label and the fit's settings — not the rest of this file's
    code (an edit to `predict` does not refit five models)."""
    digest = hashlib.sha256(f"{C}:{_BITS}".encode())
    for r in records:
        digest.update(f"{r['label']}\t{r['args'].get('task')}\t{' '.join(features(r['text']))}\n".encode())
    return digest.hexdigest()[:16]


def build(path: Path | None = None, records: list[dict[str, Any]] | None = None) -> IntentModel:
    """Train on the whole corpus, calibrate on held-out families, save."""
    stored = records is None  # the project's corpus: its calibration may be on file
    records = records if records is not None else load_corpus()
    model = fit_router(records, temperature(records, stored))
    model.defaults = tool_defaults()
    path = path or model_path()
    model.save(path)
    for old in path.parent.glob("intent-*.npz"):  # models of earlier corpora or code
        if old != path and ".tmp." not in old.name and path.parent == model_path().parent:
            old.unlink(missing_ok=True)
    return model


def tool_defaults() -> dict[str, dict[str, Any]]:
    """Every tool argument's default, JSON-ready (the registry's argument models are the one source)."""
    from pydantic_core import PydanticUndefined

    from tools import list_tools

    out: dict[str, dict[str, Any]] = {}
    for spec in list_tools():
        fields = spec.args_model.model_fields
        out[spec.name] = {k: f.default for k, f in fields.items() if f.default is not PydanticUndefined}
    return json.loads(json.dumps(out, default=str))


# -- the cached model ------------------------------------------------------------------------------------------------
def _fingerprint(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for p in sorted(paths):
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    return digest.hexdigest()[:16]


def _tools_signature() -> str:
    """What the model keeps from tools/ (`tool_defaults()`), read without importing the tools: each module's
    classes (the argument models), module-level names, imports and `@tool(...)` lines, not the tools' bodies nor
    tools/commands.py (slash commands), so editing those does not retrain the model. Parsing the modules costs a cold
    `dastyar route` ~35 ms: each module's part is kept in .cache/ under the hash of its bytes."""
    from assistant.config import get_settings

    kept_at = get_settings().cache_dir / "tools-signature.json"
    try:
        known = json.loads(kept_at.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    digest, now = hashlib.sha256(), {}
    for path in sorted((ROOT / "tools").glob("*.py")):
        if path.name == "commands.py":
            continue
        raw = path.read_bytes()
        key = hashlib.sha256(raw).hexdigest()
        now[key] = known.get(key) if isinstance(known, dict) and isinstance(known.get(key), str) else _module_part(raw)
        digest.update(path.name.encode())
        digest.update(now[key].encode())
    if now != known:
        try:
            kept_at.parent.mkdir(parents=True, exist_ok=True)
            tmp = kept_at.with_name(f"{kept_at.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(now), encoding="utf-8")
            os.replace(tmp, kept_at)
        except OSError:
            pass  # a read-only cache: parsed again next time
    return digest.hexdigest()[:16]


def _module_part(raw: bytes) -> str:
    import ast

    kept: list[ast.AST] = []
    for node in ast.parse(raw).body:
        if isinstance(node, ast.ClassDef | ast.Assign | ast.AnnAssign | ast.Import | ast.ImportFrom):
            kept.append(node)
        elif isinstance(node, ast.FunctionDef):
            kept += node.decorator_list
    return "\n".join(ast.dump(node) for node in kept)


def _corpus_key() -> str:
    """What the model's predictions depend on: the corpus and the feature code."""
    here = Path(__file__).resolve().parent
    return _fingerprint([*CORPUS_DIR.glob("*.jsonl"), *here.glob("*.tsv"), here / "intent.py", here / "lexicon.py"])


def model_path() -> Path:
    from assistant.config import get_settings

    key = hashlib.sha256(f"{_corpus_key()}:{_tools_signature()}".encode()).hexdigest()[:16]
    return get_settings().cache_dir / f"intent-{key}.npz"


@lru_cache(maxsize=1)
def get_model() -> IntentModel:
    path = model_path()
    if path.exists():
        try:
            return IntentModel.load(path)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt
    # `make setup` builds it; a fresh checkout without it trains once here (a few minutes).
    print("dastyar: training the Persian intent model once (a few minutes)…", file=sys.stderr, flush=True)
    return build(path)


def main(argv: list[str]) -> int:
    if argv[:1] == ["build"]:
        from agents import encoder

        engine = encoder.prepare()  # the tuned encoder's engine file, so that no message waits for it
        path = model_path()
        if path.exists() and "--force" not in argv:
            try:
                kept = IntentModel.load(path).task_vectors
            except (OSError, ValueError, KeyError):
                kept = None
            # The task head over vectors belongs to one tuning of the encoder: a new tuning builds it again.
            if engine is None or not encoder.available() or (kept is not None and kept.encoder == engine.name):
                print(f"intent model up to date: {path}")
                return 0
        model = build(path)
        print(f"intent model built: {path} ({len(model.index)} features, T={model.temperature:.2f}; "
              f"second opinion: {encoder.describe()})")
        return 0
    print("usage: python -m agents.intent build [--force]")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
