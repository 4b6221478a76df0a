"""Builders for tiny, real, offline Hub repos used with :class:`tests.hubserver.HubServer`.

Weights, data and the big file are seeded. The tokenizers' trainers are NOT bit-reproducible across processes
(the Rust side breaks frequency ties via randomly seeded hash maps), so the commit sha of the bert/gpt2 repos can
differ between pytest sessions: read shas from the server (``HubServer.repo_commit``), never hard-code them.
Heavy imports (torch / transformers / tokenizers / pyarrow) happen inside the builders so that importing this
module stays cheap.

Typical use from a test module::

    from tests.hub_fixtures import build_test_hub
    from tests.hubserver import HubServer

    @pytest.fixture(scope="session")
    def hub(tmp_path_factory):
        root = tmp_path_factory.mktemp("hub")
        info = build_test_hub(root)
        with HubServer(root) as server:
            yield server, info
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .hubserver import META_FILENAME

# A few dozen Persian sentences (with ZWNJ, Arabic-script punctuation and digits) to train the tiny tokenizers.
PERSIAN_CORPUS: list[str] = [
    "این فیلم واقعاً عالی بود و از دیدنش لذت بردم.",
    "کیفیت این گوشی خیلی ضعیف است.",
    "غذای این رستوران خوشمزه و گرم بود.",
    "رفتار کارکنان بسیار محترمانه بود.",
    "داستان این کتاب خسته‌کننده و طولانی بود.",
    "من امروز به کتابخانه رفتم و دو کتاب امانت گرفتم.",
    "هوای تهران امروز آفتابی و کمی سرد است.",
    "دانشجویان برای امتحان پایان ترم آماده می‌شوند.",
    "لطفاً این متن را به انگلیسی ترجمه کن.",
    "مدل‌های زبانی بزرگ می‌توانند متن فارسی تولید کنند.",
    "پردازش زبان طبیعی یکی از شاخه‌های هوش مصنوعی است.",
    "برای دانلود مدل از هاب هاگینگ‌فیس استفاده می‌کنیم.",
    "این مجموعه‌داده شامل نظرات کاربران درباره محصولات است.",
    "خدمات پس از فروش این شرکت افتضاح بود.",
    "بازی بازیگران طبیعی و دلنشین بود.",
    "قیمت این محصول نسبت به کیفیتش مناسب است.",
    "ارسال سفارش خیلی دیر انجام شد و ناراضی هستم.",
    "طراحی این نرم‌افزار ساده و کاربرپسند است.",
    "صدای این هدفون شفاف و بی‌نظیر است.",
    "باتری لپ‌تاپ زود تمام می‌شود.",
    "شعرهای حافظ و سعدی هنوز هم خوانده می‌شوند.",
    "فردا ساعت ۱۰ صبح جلسه داریم.",
    "قیمت دلار امروز ۵۰۰۰۰ تومان اعلام شد.",
    "کودکان در پارک بازی می‌کنند.",
    "او هر روز صبح ورزش می‌کند و چای می‌نوشد.",
    "این آهنگ را بارها گوش داده‌ام و هنوز دوستش دارم.",
    "نمی‌دانم چرا برنامه هنگام اجرا متوقف می‌شود.",
    "آیا می‌توانی یک مدل طبقه‌بندی احساسات برایم پیدا کنی؟",
    "مترجم ماشینی جمله را به‌درستی ترجمه نکرد.",
    "این رمان یکی از بهترین کتاب‌هایی است که خوانده‌ام.",
    "هتل تمیز بود اما صبحانه کیفیت خوبی نداشت.",
    "پشتیبانی سریع پاسخ داد و مشکل حل شد.",
    "متاسفانه بسته آسیب‌دیده به دستم رسید.",
    "دستیار هوشمند فارسی به کاربران کمک می‌کند.",
    "مدل را روی داده‌های خودمان تنظیم دقیق کردیم.",
    "سرعت اینترنت در این منطقه بسیار پایین است.",
]

_SUBJECTS = [
    "این فیلم",
    "غذای این رستوران",
    "کیفیت این گوشی",
    "رفتار کارکنان",
    "داستان این کتاب",
    "خدمات پس از فروش",
    "بازی بازیگران",
    "طراحی این محصول",
    "صدای این هدفون",
    "فضای این هتل",
]
_POSITIVE = ["عالی", "خوب", "فوق‌العاده", "دلنشین", "جذاب", "بی‌نظیر"]
_NEGATIVE = ["بد", "ضعیف", "افتضاح", "خسته‌کننده", "ناامیدکننده", "بی‌کیفیت"]
_TEMPLATES = ["{s} {a} بود.", "به نظرم {s} واقعاً {a} است.", "{s} خیلی {a} بود.", "راستش {s} {a} بود."]

SENTIMENT_LABELS = ["negative", "positive"]  # index == integer label
BERT_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

GITATTRIBUTES = """\
*.bin filter=lfs diff=lfs merge=lfs -text
*.safetensors filter=lfs diff=lfs merge=lfs -text
*.parquet filter=lfs diff=lfs merge=lfs -text
*.pt filter=lfs diff=lfs merge=lfs -text
*.onnx filter=lfs diff=lfs merge=lfs -text
"""


def sentiment_examples(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` balanced, deterministic Persian sentiment examples: ``{"text": str, "label": 0|1}``."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = i % 2
        words = _POSITIVE if label else _NEGATIVE
        text = rng.choice(_TEMPLATES).format(s=rng.choice(_SUBJECTS), a=rng.choice(words))
        rows.append({"text": text, "label": label})
    rng.shuffle(rows)
    return rows


def training_corpus() -> Iterator[str]:
    yield from PERSIAN_CORPUS
    for row in sentiment_examples(60, seed=1):
        yield row["text"]


def write_meta(repo_dir: Path, **meta: Any) -> None:
    """Write the fake Hub's per-repo metadata (downloads, likes, tags, private, gated, ...)."""
    repo_dir.mkdir(parents=True, exist_ok=True)
    (repo_dir / META_FILENAME).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def _write_card(repo_dir: Path, front_matter: dict[str, Any], body: str) -> None:
    import yaml

    yaml_text = yaml.safe_dump(front_matter, allow_unicode=True, sort_keys=False)
    (repo_dir / "README.md").write_text(f"---\n{yaml_text}---\n\n{body.strip()}\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------------------------------


def make_tiny_bert(repo_dir: Path | str, *, seed: int = 0) -> Path:
    """Random-init tiny ``BertForSequenceClassification`` + a WordPiece tokenizer trained on Persian text."""
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    repo_dir = Path(repo_dir)
    repo_dir.mkdir(parents=True, exist_ok=True)

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    # strip_accents=False: accent stripping would delete Persian diacritics and break some letters.
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False, clean_text=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=400, min_frequency=1, special_tokens=BERT_SPECIAL_TOKENS)
    tok.train_from_iterator(training_corpus(), trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tok.decoder = decoders.WordPiece()
    tokenizer = BertTokenizer(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=128,
    )
    tokenizer.save_pretrained(repo_dir)

    torch.manual_seed(seed)  # reproducible weights for a given vocab size
    config = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=2,
        id2label=dict(enumerate(SENTIMENT_LABELS)),
        label2id={label: i for i, label in enumerate(SENTIMENT_LABELS)},
        pad_token_id=tok.token_to_id("[PAD]"),
    )
    BertForSequenceClassification(config).save_pretrained(repo_dir)

    (repo_dir / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
    _write_card(
        repo_dir,
        {
            "language": ["fa"],
            "license": "apache-2.0",
            "library_name": "transformers",
            "pipeline_tag": "text-classification",
            "tags": ["bert", "persian", "sentiment-analysis"],
            "datasets": ["persiannlp/parsinlu_sentiment"],
            "widget": [{"text": "این فیلم واقعاً عالی بود."}],
        },
        """
# برت فارسی کوچک (آزمایشی)

این یک مدل **بسیار کوچک** با وزن‌های تصادفی است که فقط برای آزمون‌های خودکار «دستیار» ساخته شده است.
برچسب‌ها: `negative` (منفی) و `positive` (مثبت).

## نحوهٔ استفاده

```python
from transformers import pipeline
classifier = pipeline("text-classification", model="HooshvareLab/bert-fa-base-uncased")
classifier("این فیلم واقعاً عالی بود.")
```
""",
    )
    return repo_dir


def make_tiny_gpt2(repo_dir: Path | str, *, seed: int = 0) -> Path:
    """Random-init tiny ``GPT2LMHeadModel`` + a byte-level BPE tokenizer trained on Persian text (pad token set)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2Tokenizer

    repo_dir = Path(repo_dir)
    repo_dir.mkdir(parents=True, exist_ok=True)

    eos = "<|endoftext|>"
    pad = "<|pad|>"
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=500,
        min_frequency=1,
        special_tokens=[eos, pad],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte is encodable => no unknown tokens
    )
    tok.train_from_iterator(training_corpus(), trainer)
    tokenizer = GPT2Tokenizer(
        tokenizer_object=tok,
        bos_token=eos,
        eos_token=eos,
        unk_token=eos,
        pad_token=pad,
        model_max_length=128,
        padding_side="left",  # decoder-only: batched generate() wants left padding
    )
    tokenizer.save_pretrained(repo_dir)

    torch.manual_seed(seed)
    config = GPT2Config(
        vocab_size=tok.get_vocab_size(),
        n_positions=128,
        n_embd=32,
        n_layer=2,
        n_head=2,
        n_inner=64,
        bos_token_id=tok.token_to_id(eos),
        eos_token_id=tok.token_to_id(eos),
        pad_token_id=tok.token_to_id(pad),
    )
    GPT2LMHeadModel(config).save_pretrained(repo_dir)

    (repo_dir / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
    _write_card(
        repo_dir,
        {
            "language": ["fa"],
            "license": "mit",
            "library_name": "transformers",
            "pipeline_tag": "text-generation",
            "tags": ["gpt2", "persian"],
        },
        """
# جی‌پی‌تی۲ فارسی کوچک (آزمایشی)

مدل زبانی کوچک با وزن‌های تصادفی برای آزمون تولید متن در «دستیار». خروجی آن معنادار نیست.
""",
    )
    return repo_dir


def make_big_file_repo(repo_dir: Path | str, size_mb: float = 8, *, seed: int = 0) -> Path:
    """A repo with one multi-MB random ``weights.bin`` (LFS) + a small ``config.json``: progress/cancel/resume."""
    repo_dir = Path(repo_dir)
    repo_dir.mkdir(parents=True, exist_ok=True)
    size = int(size_mb * 1024 * 1024)
    (repo_dir / "weights.bin").write_bytes(random.Random(seed).randbytes(size))
    (repo_dir / "config.json").write_text(
        json.dumps({"model_type": "dastyar-blob", "weights": "weights.bin", "size_bytes": size}, indent=2) + "\n",
        encoding="utf-8",
    )
    (repo_dir / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
    _write_card(
        repo_dir,
        {"license": "mit", "tags": ["test-fixture"]},
        "# Big file\n\nOne large random binary, used to test progress, cancellation and resume.",
    )
    return repo_dir


def make_minimal_model(
    repo_dir: Path | str, *, model_type: str = "bert", language: str = "fa", pipeline_tag: str = "text-classification"
) -> Path:
    """A weights-less repo (config + card): cheap search decoys and private/gated test repos."""
    repo_dir = Path(repo_dir)
    repo_dir.mkdir(parents=True, exist_ok=True)
    config = {"architectures": ["BertForSequenceClassification"], "model_type": model_type, "hidden_size": 32}
    (repo_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    _write_card(
        repo_dir,
        {"language": [language], "license": "mit", "pipeline_tag": pipeline_tag, "library_name": "transformers"},
        f"# {repo_dir.name}\n\nA minimal test repository.",
    )
    return repo_dir


# --------------------------------------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------------------------------------


def make_sentiment_dataset(repo_dir: Path | str, n: int = 80, *, seed: int = 0) -> Path:
    """Persian sentiment dataset: ``data/{train,test}.csv`` (the card's default config) + ``parquet/{train,test}.parquet``.

    Columns: ``text`` (str) and ``label`` (ClassLabel: 0=negative, 1=positive, declared in the card's
    ``dataset_info``) so ``datasets.load_dataset(snapshot_dir)`` gives typed labels.
    The parquet copy is deliberately NOT a second card config: ``datasets`` picks one builder (csv/parquet) for the
    whole repo from the data-file extensions, so mixed-format configs break. Load it explicitly with
    ``load_dataset("parquet", data_files={"train": f"{snap}/parquet/train.parquet", ...})``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    repo_dir = Path(repo_dir)
    rows = sentiment_examples(n, seed=seed)
    n_test = max(2, n // 5)
    splits = {"train": rows[n_test:], "test": rows[:n_test]}
    (repo_dir / "data").mkdir(parents=True, exist_ok=True)
    (repo_dir / "parquet").mkdir(parents=True, exist_ok=True)
    for split, split_rows in splits.items():
        with (repo_dir / "data" / f"{split}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=["text", "label"])
            writer.writeheader()
            writer.writerows(split_rows)
        table = pa.table(
            {"text": [r["text"] for r in split_rows], "label": pa.array([r["label"] for r in split_rows], pa.int64())}
        )
        pq.write_table(table, repo_dir / "parquet" / f"{split}.parquet")

    features = [
        {"name": "text", "dtype": "string"},
        {"name": "label", "dtype": {"class_label": {"names": {str(i): n for i, n in enumerate(SENTIMENT_LABELS)}}}},
    ]
    (repo_dir / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
    _write_card(
        repo_dir,
        {
            "language": ["fa"],
            "license": "cc-by-nc-sa-4.0",
            "task_categories": ["text-classification"],
            "task_ids": ["sentiment-classification"],
            "size_categories": ["n<1K"],
            "pretty_name": "ParsiNLU Sentiment (tiny test copy)",
            "configs": [
                {
                    "config_name": "default",
                    "default": True,
                    "data_files": [
                        {"split": "train", "path": "data/train.csv"},
                        {"split": "test", "path": "data/test.csv"},
                    ],
                },
            ],
            "dataset_info": [{"config_name": "default", "features": features}],
        },
        """
# تحلیل احساسات فارسی (نسخهٔ کوچک آزمایشی)

مجموعه‌ای کوچک از جمله‌های فارسی با برچسب مثبت/منفی، ساخته‌شده برای آزمون‌های «دستیار».

| ستون | توضیح |
|------|-------|
| `text` | متن نظر |
| `label` | ۰ = منفی، ۱ = مثبت |
""",
    )
    return repo_dir


# --------------------------------------------------------------------------------------------------------------------
# Standard test hub
# --------------------------------------------------------------------------------------------------------------------

BERT_REPO = "HooshvareLab/bert-fa-base-uncased"
GPT2_REPO = "dastyar-test/tiny-gpt2-fa"
BIG_REPO = "dastyar-test/big-file"
PRIVATE_REPO = "dastyar-test/private-model"
GATED_REPO = "dastyar-test/gated-model"
ENGLISH_REPO = "dastyar-test/english-bert"
SENTIMENT_DATASET = "persiannlp/parsinlu_sentiment"
BIG_FILE = "weights.bin"


def build_test_hub(root: Path | str, *, big_file_mb: float = 8) -> dict[str, Any]:
    """Create the standard fake-Hub tree under ``root`` and return names/paths.

    Returned dict: ``root``, ``models`` / ``datasets`` (repo_id -> folder), plus shortcuts ``bert``, ``gpt2``,
    ``big``, ``private``, ``gated``, ``english``, ``sentiment``, ``big_file`` (path in repo) and ``big_file_size``.
    """
    root = Path(root)
    models_root, datasets_root = root / "models", root / "datasets"

    bert = make_tiny_bert(models_root / BERT_REPO)
    gpt2 = make_tiny_gpt2(models_root / GPT2_REPO)
    # (folder, task, tags, license, downloads, likes, trending, last modified, created)
    for folder, task, tags, licence, downloads, likes, trending, modified, created in (
        (bert, "text-classification", ["fa", "bert"], "apache-2.0", 12345, 87, 12, "2024-03-10T08:30", "2021-05-18T12:00"),
        (gpt2, "text-generation", ["fa", "gpt2"], "mit", 321, 4, 3, "2024-06-01T10:00", "2024-01-15T09:00"),
    ):
        write_meta(folder, pipeline_tag=task, library_name="transformers", tags=tags, license=licence,
                   downloads=downloads, likes=likes, trendingScore=trending, lastModified=f"{modified}:00.000Z",
                   createdAt=f"{created}:00.000Z")

    big = make_big_file_repo(models_root / BIG_REPO, size_mb=big_file_mb)
    write_meta(big, tags=["test-fixture"], downloads=7, likes=0, lastModified="2024-02-02T00:00:00.000Z")

    private = make_minimal_model(models_root / PRIVATE_REPO)
    write_meta(private, private=True, pipeline_tag="text-classification", tags=["fa"], downloads=0, likes=0)

    gated = make_minimal_model(models_root / GATED_REPO)
    write_meta(gated, gated="manual", pipeline_tag="text-classification", tags=["fa"], downloads=55, likes=2)

    english = make_minimal_model(models_root / ENGLISH_REPO, language="en")
    write_meta(english, pipeline_tag="text-classification", tags=["en", "bert"], downloads=99999, likes=300)

    sentiment = make_sentiment_dataset(datasets_root / SENTIMENT_DATASET)
    write_meta(
        sentiment,
        tags=["fa", "sentiment"],
        downloads=2048,
        likes=15,
        description="Persian sentiment analysis (tiny offline copy for tests).",
        lastModified="2023-11-20T14:00:00.000Z",
        createdAt="2022-03-02T23:29:22.000Z",
    )

    return {
        "root": root,
        "models": {
            BERT_REPO: bert,
            GPT2_REPO: gpt2,
            BIG_REPO: big,
            PRIVATE_REPO: private,
            GATED_REPO: gated,
            ENGLISH_REPO: english,
        },
        "datasets": {SENTIMENT_DATASET: sentiment},
        "bert": BERT_REPO,
        "gpt2": GPT2_REPO,
        "big": BIG_REPO,
        "private": PRIVATE_REPO,
        "gated": GATED_REPO,
        "english": ENGLISH_REPO,
        "sentiment": SENTIMENT_DATASET,
        "big_file": BIG_FILE,
        "big_file_size": int(big_file_mb * 1024 * 1024),
    }
