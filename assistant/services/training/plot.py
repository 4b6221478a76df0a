"""A loss-curve PNG written with the standard library only (zlib + struct): no plotting package needed.

Axis labels are digits and Latin letters drawn from a tiny built-in bitmap font.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

WHITE = (255, 255, 255)
GRID = (228, 231, 236)
AXIS = (90, 96, 110)
TRAIN = (37, 99, 235)
EVAL = (220, 38, 38)
ACC = (22, 163, 74)

# 3x5 glyphs, rows top to bottom, bits left to right.
_FONT = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001010010010",
    "8": "111101111101111", "9": "111101111001111", ".": "000000000000010", "-": "000000111000000",
    "e": "000111101110011", "a": "000011101101011", "c": "000011100100011", "i": "010000010010010",
    "l": "010010010010010", "n": "000110101101101", "o": "000010101101010", "p": "000110101110100",
    "r": "000011100100100", "s": "000011110011110", "t": "010111010010001", "u": "000101101101011",
    "v": "000101101101010", "y": "000101011001110", " ": "000000000000000", "=": "000111000111000",
    "x": "000101010010101", "f": "011100110100100", "m": "000111111101101", "g": "000011101011110",
}


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(WHITE * (width * height))

    def set(self, x: int, y: int, color: tuple[int, int, int]) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            i = (y * self.width + x) * 3
            self.pixels[i : i + 3] = bytes(color)

    def line(self, x0: float, y0: float, x1: float, y1: float, color: tuple[int, int, int], width: int = 1) -> None:
        steps = int(max(abs(x1 - x0), abs(y1 - y0), 1))
        for s in range(steps + 1):
            x = x0 + (x1 - x0) * s / steps
            y = y0 + (y1 - y0) * s / steps
            for dx in range(-(width // 2), width - width // 2):
                for dy in range(-(width // 2), width - width // 2):
                    self.set(int(round(x)) + dx, int(round(y)) + dy, color)

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int]) -> None:
        for y in range(y0, y1):
            for x in range(x0, x1):
                self.set(x, y, color)

    def text(self, x: int, y: int, text: str, color: tuple[int, int, int] = AXIS, scale: int = 2) -> None:
        for ch in text.lower():
            glyph = _FONT.get(ch, _FONT[" "])
            for row in range(5):
                for col in range(3):
                    if glyph[row * 3 + col] == "1":
                        self.rect(x + col * scale, y + row * scale, x + (col + 1) * scale, y + (row + 1) * scale, color)
            x += 4 * scale

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3])
                       for y in range(self.height))

        def chunk(tag: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100 or abs(value) < 0.01:
        return f"{value:.1e}".replace("+", "")
    return f"{value:.3g}"


def loss_plot(history: list[dict[str, Any]], path: Path, width: int = 720, height: int = 400) -> Path | None:
    """Train loss (blue) and eval loss (red dots joined) against the step; None when there is nothing to draw."""
    train = [(p["step"], p["loss"]) for p in history if p.get("loss") is not None]
    evals = [(p["step"], p["eval_loss"]) for p in history if p.get("eval_loss") is not None]
    if not train and not evals:
        return None
    points = train + evals
    left, right, top, bottom = 70, 20, 40, 50
    steps = [s for s, _ in points]
    values = [v for _, v in points]
    x_min, x_max = min(steps), max(steps)
    y_min, y_max = min(values), max(values)
    if x_max == x_min:
        x_max = x_min + 1
    pad = (y_max - y_min) * 0.08 or max(abs(y_max) * 0.1, 0.1)
    y_min, y_max = y_min - pad, y_max + pad
    c = Canvas(width, height)
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(step: float, value: float) -> tuple[float, float]:
        return (left + (step - x_min) / (x_max - x_min) * plot_w, top + (1 - (value - y_min) / (y_max - y_min)) * plot_h)

    for i in range(5):
        y = top + plot_h * i / 4
        c.line(left, y, left + plot_w, y, GRID)
        c.text(6, int(y) - 5, _fmt(y_max - (y_max - y_min) * i / 4))
    for i in range(5):
        x = left + plot_w * i / 4
        c.line(x, top, x, top + plot_h, GRID)
        c.text(int(x) - 8, top + plot_h + 10, str(int(round(x_min + (x_max - x_min) * i / 4))))
    c.line(left, top, left, top + plot_h, AXIS)
    c.line(left, top + plot_h, left + plot_w, top + plot_h, AXIS)
    c.text(left + plot_w // 2 - 16, height - 18, "step")
    for series, color in ((train, TRAIN), (evals, EVAL)):
        for (s0, v0), (s1, v1) in zip(series, series[1:], strict=False):
            c.line(*px(s0, v0), *px(s1, v1), color, width=2)
        for s, v in series:
            x, y = px(s, v)
            c.rect(int(x) - 2, int(y) - 2, int(x) + 3, int(y) + 3, color)
    c.rect(left + 10, 12, left + 30, 18, TRAIN)
    c.text(left + 36, 10, "train loss")
    if evals:
        c.rect(left + 140, 12, left + 160, 18, EVAL)
        c.text(left + 166, 10, "eval loss")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(c.png())
    return path
