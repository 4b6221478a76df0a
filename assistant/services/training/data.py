"""Training data: find it (Hub snapshot, folder or uploaded file), read it, pick the text and label columns,
check it, and split it into train and validation parts.

pandas is imported inside functions; `datasets` only for Hub snapshots (it knows their card configs and
ClassLabel names).
"""

from __future__ import annotations

import codecs
import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.persian import format_bytes, format_percent, normalize
from assistant.services.files import confined, walk_files
from assistant.services.hub.client import is_owner_repo
from assistant.services.training.errors import TrainingProblem
from assistant.services.training.tasks import CLASSIFICATION

if TYPE_CHECKING:
    import pandas as pd

FORMATS = {
    ".csv": "CSV", ".tsv": "TSV", ".tab": "TSV", ".jsonl": "JSONL", ".ndjson": "JSONL", ".json": "JSON",
    ".parquet": "parquet", ".txt": "TXT",
}
TEXT_FORMATS = {"CSV", "TSV", "JSONL", "JSON", "TXT"}
MIN_ROWS = 8
MAX_LABELS = 200
MAX_COLUMNS = 2000  # a table wider than this is not training data (and every column would be examined)
EVAL_SPLITS = ("validation", "valid", "dev", "val", "eval", "test")
TEXT_NAMES = (
    "text", "sentence", "comment", "review", "content", "body", "document", "tweet", "sentence1", "input", "question",
    "متن", "جمله", "نظر", "دیدگاه", "محتوا", "پیام",
)
LABEL_NAMES = (
    "label", "labels", "label_id", "label_ids", "class", "category", "sentiment", "target", "y", "tag",
    "برچسب", "کلاس", "دسته", "احساس", "دسته‌بندی",
)
SEED = 42


def max_file_bytes() -> int:
    from assistant.config import get_settings

    return int(get_settings().train_max_file_mb * 1024 * 1024)


@dataclass
class DataSource:
    kind: str  # file | hub | folder
    path: Path
    display: str
    repo_id: str | None = None
    fmt: str | None = None


def resolve_dataset(name: str) -> DataSource:
    """Where the data the user named lives; a Persian problem when it is not on this machine."""
    from assistant.services.hub.local import resolve_snapshot

    name = str(name).strip().strip("«»\"'")
    path = confined(name) or Path("/nonexistent")  # outside the allowed folders reads as not found
    if path.is_file():
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise TrainingProblem("file_format", name=path.name)
        return DataSource("file", path, path.name, fmt=fmt)
    if path.is_dir():
        return DataSource("folder", path, name)
    if is_owner_repo(name) and not name.startswith(("/", ".", "~")):
        snapshot = resolve_snapshot(name, "dataset")
        if snapshot is not None:
            return DataSource("hub", snapshot, name, repo_id=name)
        if Path(name).suffix.lower() not in FORMATS:
            raise TrainingProblem("dataset_missing", dataset=name)
    raise TrainingProblem("dataset_not_found", dataset=name[:200])


# -- reading ---------------------------------------------------------------------------------------------


@dataclass
class RawData:
    splits: dict[str, pd.DataFrame]
    class_names: dict[str, list[str]] = field(default_factory=dict)  # column → names of its integer values


def _check_utf8(path: Path) -> None:
    """UTF-8 text, and text at all: a NUL byte means a binary file (a zip, a sparse file) named like a table."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            if b"\x00" in chunk:
                raise TrainingProblem("file_binary", name=path.name)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise TrainingProblem("file_not_utf8", name=path.name) from exc
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise TrainingProblem("file_not_utf8", name=path.name) from exc


def _sniff_sep(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline()
    counts = {sep: head.count(sep) for sep in (",", "\t", ";", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def read_file(path: Path, fmt: str | None = None) -> pd.DataFrame:
    """One data file as a table; Persian problems for empty, huge, non-UTF-8 or malformed files."""
    import pandas as pd

    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise TrainingProblem("file_format", name=path.name)
    size = path.stat().st_size
    if size == 0:
        raise TrainingProblem("file_empty", name=path.name)
    limit = max_file_bytes()
    if size > limit:
        raise TrainingProblem("file_too_big", name=path.name, size=format_bytes(size), limit=format_bytes(limit))
    if fmt in TEXT_FORMATS:
        _check_utf8(path)
    if fmt in ("CSV", "TSV"):
        _check_width(path, fmt)
    elif fmt == "parquet":
        _check_parquet(path, limit)
    try:
        if fmt in ("CSV", "TSV"):
            sep = "\t" if fmt == "TSV" else _sniff_sep(path)
            df = pd.read_csv(path, sep=sep, encoding="utf-8-sig", skip_blank_lines=True)
        elif fmt == "JSONL":
            df = pd.read_json(path, lines=True, encoding="utf-8")
        elif fmt == "JSON":
            df = _read_json(path)
        elif fmt == "parquet":
            df = pd.read_parquet(path)
        else:
            df = _read_txt(path)
    except pd.errors.EmptyDataError as exc:
        raise TrainingProblem("file_empty", name=path.name) from exc
    except TrainingProblem:
        raise
    except (ValueError, pd.errors.ParserError, OSError, UnicodeDecodeError) as exc:
        raise TrainingProblem("file_unreadable", name=path.name, fmt=fmt) from exc
    except Exception as exc:  # pyarrow and friends raise their own types for a broken file
        raise TrainingProblem("file_unreadable", name=path.name, fmt=fmt) from exc
    df.columns = [str(c).strip() for c in df.columns]
    if len(df) == 0 or len(df.columns) == 0:
        raise TrainingProblem("file_empty", name=path.name)
    return df


def _check_width(path: Path, fmt: str) -> None:
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline(4 * 1024 * 1024)
    sep = "\t" if fmt == "TSV" else _sniff_sep(path)
    if head.count(sep) + 1 > MAX_COLUMNS:
        raise TrainingProblem("too_many_columns", name=path.name, count=head.count(sep) + 1, limit=MAX_COLUMNS)


def _check_parquet(path: Path, limit: int) -> None:
    """What the file becomes in memory, before it is read: a small file may expand a thousandfold. The footer gives
    the pages' decoded size; a dictionary-encoded text column (one long string repeated) is measured from its
    dictionary and indices, which stay small."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        if meta.num_columns > MAX_COLUMNS:
            raise TrainingProblem("too_many_columns", name=path.name, count=meta.num_columns, limit=MAX_COLUMNS)
        expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if expanded <= limit:
            schema = pq.ParquetFile(path).schema_arrow
            texts = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
                     or pa.types.is_binary(f.type) or pa.types.is_dictionary(f.type)]
            reader = pq.ParquetFile(path, read_dictionary=texts)
            expanded = 0
            for i in range(meta.num_row_groups):
                for column in reader.read_row_group(i, columns=texts).columns:
                    for chunk in column.chunks:
                        if pa.types.is_dictionary(chunk.type):
                            lengths = pc.binary_length(chunk.dictionary.cast(pa.large_string()))
                            expanded += pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0
                        else:
                            expanded += chunk.nbytes
                if expanded > limit:
                    break
    except TrainingProblem:
        raise
    except Exception as exc:  # not a parquet file, or a broken one
        raise TrainingProblem("file_unreadable", name=path.name, fmt="parquet") from exc
    if expanded > limit:
        raise TrainingProblem("file_expands", name=path.name, size=format_bytes(expanded), limit=format_bytes(limit))


def _read_json(path: Path) -> pd.DataFrame:
    import pandas as pd

    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except ValueError:
        return pd.read_json(path, lines=True, encoding="utf-8")
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) == 1 or "data" in data:
            data = data.get("data", lists[0] if lists else [])
        elif all(isinstance(v, list) for v in data.values()):
            return pd.DataFrame(data)
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValueError("not a list of records")
    return pd.DataFrame(data)


def _read_txt(path: Path) -> pd.DataFrame:
    """One example per line; fastText style «__label__X متن» lines give labels too."""
    import pandas as pd

    texts, labels = [], []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if not line:
            continue
        m = re.match(r"^__label__(\S+)\s+(.*)$", line)
        if m:
            labels.append(m.group(1))
            texts.append(m.group(2))
        else:
            labels.append(None)
            texts.append(line)
    if any(label is not None for label in labels):
        return pd.DataFrame({"text": texts, "label": labels})
    return pd.DataFrame({"text": texts})


def _split_of(name: str) -> str:
    stem = Path(name).stem.lower()
    for split in ("train", *EVAL_SPLITS):
        if re.search(rf"(^|[\W_]){split}([\W_]|$)", stem):
            return split
    return "train"


def read_source(source: DataSource, cache_dir: Path | None = None) -> RawData:
    if source.kind == "file":
        return RawData({"train": read_file(source.path, source.fmt)})
    try:
        return _read_with_datasets(source.path, cache_dir)
    except TrainingProblem:
        raise
    except Exception:
        return _read_data_files(source)


def _read_with_datasets(folder: Path, cache_dir: Path | None) -> RawData:
    import datasets

    datasets.disable_progress_bars()
    loaded = datasets.load_dataset(str(folder), cache_dir=str(cache_dir) if cache_dir else None)
    splits: dict[str, Any] = {}
    names: dict[str, list[str]] = {}
    for split, ds in loaded.items():
        splits[split] = ds.to_pandas()
        for column, feature in ds.features.items():
            if isinstance(feature, datasets.ClassLabel):
                names[column] = list(feature.names)
    if not splits or all(len(df) == 0 for df in splits.values()):
        raise ValueError("no rows")
    return RawData(splits, names)


def _read_data_files(source: DataSource) -> RawData:
    import pandas as pd

    files = sorted(
        p for p in walk_files(source.path)
        if p.suffix.lower() in FORMATS and p.suffix.lower() != ".txt" and ".cache" not in p.parts
    )
    if not files:
        raise TrainingProblem("dataset_unreadable", dataset=source.display)
    by_split: dict[str, list[pd.DataFrame]] = {}
    for path in files:
        by_split.setdefault(_split_of(path.name), []).append(read_file(path))
    return RawData({split: pd.concat(frames, ignore_index=True) for split, frames in by_split.items()})


# -- columns -----------------------------------------------------------------------------------------------


def _key(name: str) -> str:
    return normalize(str(name)).lower().replace(" ", "_")


def _string_share(series: pd.Series) -> float:
    values = series.dropna()
    if len(values) == 0:
        return 0.0
    sample = values.head(2000)
    return sum(isinstance(v, str) and not _numeric_text(v) for v in sample) / len(sample)


def _numeric_text(value: str) -> bool:
    try:
        float(value)
        return True
    except ValueError:
        return False


def _avg_len(series: pd.Series) -> float:
    values = series.dropna().head(2000)
    return float(sum(len(str(v)) for v in values) / max(1, len(values)))


def _label_like(series: pd.Series, rows: int) -> bool:
    values = series.dropna()
    if len(values) == 0:
        return False
    unique = values.astype(str).nunique()
    if unique < 2 and rows > 1:
        return True  # a constant column is still a (bad) label column when it is named so
    return unique <= min(MAX_LABELS, max(2, rows // 2)) and _avg_len(values) <= 40


def _equivalent(a: pd.Series, b: pd.Series) -> bool:
    """Two columns that encode the same labels (e.g. `label` HAPPY/SAD and `label_id` 0/1)."""
    pairs = {(str(x), str(y)) for x, y in zip(a.astype(str), b.astype(str), strict=False)}
    return len(pairs) == len({x for x, _ in pairs}) == len({y for _, y in pairs})


def _columns_text(columns: list[str]) -> str:
    return "، ".join(f"`{c}`" for c in columns) or "—"


def pick_text_column(df: pd.DataFrame, wanted: str | None, exclude: set[str]) -> str:
    columns = [str(c) for c in df.columns]
    if wanted:
        return _find_column(columns, wanted)
    candidates = [c for c in columns if c not in exclude and _string_share(df[c]) >= 0.8]
    named = [c for name in TEXT_NAMES for c in candidates if _key(c) == _key(name)]
    if named:
        return named[0]
    free = [c for c in candidates if not _label_like(df[c], len(df)) or _avg_len(df[c]) > 40]
    if not free:
        raise TrainingProblem("no_text_column", columns=_columns_text(columns))
    if len(free) == 1:
        return free[0]
    ranked = sorted(free, key=lambda c: _avg_len(df[c]), reverse=True)
    if _avg_len(df[ranked[0]]) >= 1.5 * _avg_len(df[ranked[1]]):
        return ranked[0]
    raise TrainingProblem("ambiguous_text", columns=_columns_text(ranked), first=ranked[0])


def pick_label_column(df: pd.DataFrame, wanted: str | None, text_column: str, class_names: dict[str, list[str]]) -> str:
    columns = [str(c) for c in df.columns]
    if wanted:
        return _find_column(columns, wanted)
    others = [c for c in columns if c != text_column]
    named = [c for name in LABEL_NAMES for c in others if _key(c) == _key(name)]
    named = list(dict.fromkeys(named))
    candidates = named or [c for c in others if c in class_names or _label_like(df[c], len(df))]
    candidates = [c for c in candidates if df[c].notna().any()]
    if not candidates:
        raise TrainingProblem("no_label_column", columns=_columns_text(columns))
    if len(candidates) == 1:
        return candidates[0]
    first = candidates[0]
    if all(_equivalent(df[first], df[c]) for c in candidates[1:]):
        # Same labels written twice: prefer the readable names (ClassLabel or strings) over bare ids.
        readable = [c for c in candidates if c in class_names or _string_share(df[c]) >= 0.8]
        return (readable or candidates)[0]
    raise TrainingProblem("ambiguous_label", columns=_columns_text(candidates), first=first)


def _find_column(columns: list[str], wanted: str) -> str:
    for c in columns:
        if c == wanted or _key(c) == _key(wanted):
            return c
    raise TrainingProblem("column_missing", column=wanted, columns=_columns_text(columns))


# -- preparing -------------------------------------------------------------------------------------------


def _label_text(value: Any, names: list[str] | None) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if names is not None:
        try:
            index = int(value)
        except (TypeError, ValueError):
            return str(value)
        return names[index] if 0 <= index < len(names) else None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _sort_labels(labels: set[str], names: list[str] | None) -> list[str]:
    if names is not None:
        return [n for n in names if n in labels] + sorted(labels - set(names))
    if all(_numeric_text(x) for x in labels):
        return sorted(labels, key=float)
    return sorted(labels)


def _stratified_split(labels: list[Any], fraction: float, seed: int = SEED) -> tuple[list[int], list[int]]:
    rng = random.Random(seed)
    groups: dict[Any, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, []).append(i)
    train, evaluation = [], []
    for key in sorted(groups, key=str):
        idx = groups[key]
        rng.shuffle(idx)
        take = int(round(len(idx) * fraction)) if len(idx) >= 2 else 0
        if len(idx) >= 2:
            take = min(max(1, take), len(idx) - 1)
        evaluation.extend(idx[:take])
        train.extend(idx[take:])
    rng.shuffle(train)
    rng.shuffle(evaluation)
    return train, evaluation


@dataclass
class PreparedData:
    train: pd.DataFrame  # columns: text [, label (int id)]
    eval: pd.DataFrame
    task: str
    text_column: str
    label_column: str | None
    labels: list[str]
    label_counts: dict[str, int]
    dropped: int
    split_given: str | None  # the source's own validation split, when it had one
    eval_fraction: float
    rows: int
    avg_chars: float

    def summary(self) -> dict[str, Any]:
        return {
            "task": self.task, "text_column": self.text_column, "label_column": self.label_column,
            "labels": self.labels, "label_counts": self.label_counts, "dropped": self.dropped,
            "train_examples": len(self.train), "eval_examples": len(self.eval), "split_given": self.split_given,
            "eval_fraction": self.eval_fraction, "rows": self.rows, "avg_chars": round(self.avg_chars, 1),
        }

    def split_text(self) -> str:
        from prompts import t

        if self.split_given:
            return t("training.split_given", name=self.split_given)
        return t("training.split_made", percent=format_percent(self.eval_fraction))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.train.to_parquet(folder / "train.parquet", index=False)
        self.eval.to_parquet(folder / "validation.parquet", index=False)
        meta = {k: v for k, v in self.summary().items() if k not in ("train_examples", "eval_examples")}
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> PreparedData | None:
        import pandas as pd

        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            train = pd.read_parquet(folder / "train.parquet")
            evaluation = pd.read_parquet(folder / "validation.parquet")
        except (OSError, ValueError):
            return None
        return cls(
            train=train, eval=evaluation, task=meta["task"], text_column=meta["text_column"],
            label_column=meta.get("label_column"), labels=meta.get("labels") or [],
            label_counts=meta.get("label_counts") or {}, dropped=meta.get("dropped", 0),
            split_given=meta.get("split_given"), eval_fraction=meta.get("eval_fraction", 0.1), rows=meta.get("rows", 0),
            avg_chars=meta.get("avg_chars", 0.0),
        )


def prepare(
    source: DataSource,
    task: str,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    eval_fraction: float = 0.1,
    cache_dir: Path | None = None,
) -> PreparedData:
    """Read, check and split the data for a task; every problem is a Persian `TrainingProblem`."""
    import pandas as pd

    raw = read_source(source, cache_dir)
    train_name = "train" if "train" in raw.splits else next(iter(raw.splits))
    eval_name = next((s for s in EVAL_SPLITS if s in raw.splits and s != train_name), None)
    first = raw.splits[train_name]
    if len(first) == 0:
        raise TrainingProblem("file_empty", name=source.display)
    text_col = pick_text_column(first, text_column, exclude=set())
    label_col = None
    if task == CLASSIFICATION:
        label_col = pick_label_column(first, label_column, text_col, raw.class_names)
        if label_col == text_col:
            raise TrainingProblem("no_label_column", columns=_columns_text([str(c) for c in first.columns]))
    names = raw.class_names.get(label_col) if label_col else None

    def clean(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        missing = [c for c in (text_col, label_col) if c and c not in df.columns]
        if missing:
            raise TrainingProblem("column_missing", column=missing[0], columns=_columns_text(list(map(str, df.columns))))
        texts = [str(v).strip() if isinstance(v, str) else ("" if v is None or v != v else str(v)) for v in df[text_col]]
        out = pd.DataFrame({"text": texts})
        if label_col:
            out["label_name"] = [_label_text(v, names) for v in df[label_col]]
        keep = out["text"].str.len() > 0
        if label_col:
            keep &= out["label_name"].notna()
        return out[keep].reset_index(drop=True), int((~keep).sum())

    train, dropped = clean(first)
    evaluation, dropped_eval = clean(raw.splits[eval_name]) if eval_name else (None, 0)
    dropped += dropped_eval
    total = len(train) + (len(evaluation) if evaluation is not None else 0)
    if total == 0:
        raise TrainingProblem("file_empty", name=source.display)
    if total < MIN_ROWS:
        raise TrainingProblem("too_few_rows", count=total, minimum=MIN_ROWS)

    labels: list[str] = []
    counts: dict[str, int] = {}
    if label_col:
        seen = set(train["label_name"])
        if len(seen) > MAX_LABELS:
            raise TrainingProblem("too_many_labels", column=label_col, count=len(seen), limit=MAX_LABELS)
        if len(seen) < 2:
            raise TrainingProblem("one_label", label=next(iter(seen), "—"))
        labels = _sort_labels(seen, names)
        counts = {name: int((train["label_name"] == name).sum()) for name in labels}
        if evaluation is not None:
            evaluation = evaluation[evaluation["label_name"].isin(seen)].reset_index(drop=True)

    if evaluation is None or len(evaluation) == 0:
        eval_name = None
        keys = list(train["label_name"]) if label_col else [0] * len(train)
        train_idx, eval_idx = _stratified_split(keys, eval_fraction)
        if not eval_idx:
            eval_idx, train_idx = train_idx[:1], train_idx[1:]
        train, evaluation = train.iloc[train_idx].reset_index(drop=True), train.iloc[eval_idx].reset_index(drop=True)
    if label_col:
        index = {name: i for i, name in enumerate(labels)}
        for df in (train, evaluation):
            df["label"] = [index[n] for n in df["label_name"]]
        train, evaluation = train[["text", "label"]], evaluation[["text", "label"]]
    avg_chars = float(train["text"].str.len().mean()) if len(train) else 0.0
    return PreparedData(
        train=train, eval=evaluation, task=task, text_column=text_col, label_column=label_col, labels=labels,
        label_counts=counts, dropped=dropped, split_given=eval_name, eval_fraction=eval_fraction, rows=total + dropped,
        avg_chars=avg_chars,
    )
