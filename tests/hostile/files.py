"""Hostile attachments, made on demand by name (the corpus names them; each is one small function here)."""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

PERSIAN = "این غذا خیلی خوب بود"


def _wav_header(data_bytes: int, rate: int = 16000) -> bytes:
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate,
            rate * 2, 2, 16) + b"data" + struct.pack("<I", data_bytes))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _truncated_wav(path: Path) -> None:
    path.write_bytes(_wav_header(32000) + b"\x01\x00" * 50)  # says one second, holds a few samples


def _lying_wav(path: Path) -> None:
    path.write_text("این یک فایل متنی است که اسمش wav است\n" * 20, encoding="utf-8")


def _nonutf8_csv(path: Path) -> None:
    rows = "text,label\n" + "".join(f"{PERSIAN} {i},{i % 2}\n" for i in range(30))
    # Windows-1256 has Arabic ي and ك, not the Persian letters: as Excel on an Arabic-locale Windows writes them.
    path.write_bytes(rows.replace("ی", "ي").replace("ک", "ك").encode("cp1256"))


def _wide_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(",".join(f"c{i}" for i in range(100_000)) + "\n")
        fh.write(",".join("1" for _ in range(100_000)) + "\n")


def _bomb_parquet(path: Path) -> None:
    """A few kilobytes on disk, gigabytes in memory: one long string, dictionary- and run-length-encoded."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 2_000_000
    text = pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)), pa.array(["ب" * 5000]))
    label = pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)), pa.array(["مثبت"]))
    pq.write_table(pa.table({"text": text, "label": label}), path, compression="zstd")


def _sparse_csv(path: Path) -> None:
    with path.open("wb") as fh:
        fh.write(b"text,label\n")
        fh.truncate(1024**3)  # a 1 GB file that takes no disk


def _binary_csv(path: Path) -> None:
    path.write_bytes(os.urandom(20_000))


def _one_row_csv(path: Path) -> None:
    path.write_text(f"text,label\n{PERSIAN},1\n", encoding="utf-8")


def _no_label_csv(path: Path) -> None:
    path.write_text("text\n" + "".join(f"{PERSIAN} {i}\n" for i in range(40)), encoding="utf-8")


def _label_per_row_csv(path: Path) -> None:
    path.write_text("text,label\n" + "".join(f"{PERSIAN} {i},برچسب{i}\n" for i in range(400)), encoding="utf-8")


def _nested_jsonl(path: Path) -> None:
    deep = "[" * 50_000 + "]" * 50_000
    path.write_text(json.dumps({"text": PERSIAN, "label": 1}) + "\n" + '{"text": ' + deep + ', "label": 0}\n',
                    encoding="utf-8")


def _zip_csv(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "text,label\n" + f"{PERSIAN},1\n" * 100)
    path.write_bytes(buffer.getvalue())


MAKERS: dict[str, Callable[[Path], None]] = {
    "empty.wav": _empty, "truncated.wav": _truncated_wav, "lying.wav": _lying_wav, "empty.csv": _empty,
    "nonutf8.csv": _nonutf8_csv, "wide.csv": _wide_csv, "bomb.parquet": _bomb_parquet, "sparse.csv": _sparse_csv,
    "binary.csv": _binary_csv, "one_row.csv": _one_row_csv, "no_label.csv": _no_label_csv,
    "huge_label_count.csv": _label_per_row_csv, "nested.jsonl": _nested_jsonl, "zip.csv": _zip_csv,
}


def make(name: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        MAKERS[name](path)
    return path
