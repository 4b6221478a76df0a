"""The characters a Persian user writes, and the Whisper tokens that would write anything else.

Whisper's vocabulary serves about a hundred languages. With Persian forced, temperature fallback still samples
tokens of other scripts (CJK, Thai, Cyrillic, accented "German-looking" Latin…). `suppressed_tokens(model)` lists,
once per loaded model, the id of every text token that writes a character outside `ALLOWED_RANGES`, for
faster-whisper's `suppress_tokens`: the decoder then never picks them, at any temperature.
"""

from __future__ import annotations

import logging
import threading
import weakref
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)

# Code point ranges (inclusive) a transcript may hold.
ALLOWED_RANGES: tuple[tuple[int, int], ...] = (
    (0x09, 0x0A), (0x0D, 0x0D),  # tab, newline, carriage return
    (0x20, 0x7E),  # ASCII: Latin letters (ids, loanwords), digits, punctuation
    # Latin-1 signs: no-break space, « » ° · and the like — not its accented letters (ä ö ü ß é …): Persian users
    # write ids and loanwords in plain ASCII, and accents are what made leaked fragments look German. × and ÷ stay
    # out too, so that no byte piece can start an accented letter (0xC3 begins only U+00C0–U+00FF).
    (0xA0, 0xBF),
    # Arabic: every Persian letter, ، ؛ ؟ ٪, Persian (۰–۹) and Arabic-Indic (٠–٩) digits, harakat. The Arabic
    # Supplement and Extended blocks (other languages' letters) stay out: no Whisper token holds one whole, and
    # leaving them out lets byte pieces of Indic, Thai or Syriac characters be suppressed too (see below).
    (0x0600, 0x06FF),
    (0x2000, 0x206F),  # General Punctuation: ZWNJ/ZWJ, direction marks, dashes, quotes, …
    (0xFB50, 0xFDFF), (0xFE70, 0xFEFF),  # Arabic presentation forms (ﷺ, and what old fonts' text holds)
)


def is_allowed(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in ALLOWED_RANGES)


def _range_has_allowed(lo: int, hi: int) -> bool:
    return any(a <= hi and lo <= b for a, b in ALLOWED_RANGES)


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet (the one Whisper's tokenizer uses), from character to byte."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    extra = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(bs, cs, strict=True)}


def _token_bytes(tokenizer: Any, token_id: int) -> bytes | None:
    """The bytes a byte-level BPE token stands for; None for a tokenizer of another kind."""
    piece = tokenizer.id_to_token(token_id)
    table = _byte_decoder()
    if piece is None or any(ch not in table for ch in piece):
        return None
    return bytes(table[ch] for ch in piece)


_UTF8_MIN = {2: 0x80, 3: 0x800, 4: 0x10000}  # the smallest code point of each sequence length (no overlong forms)


def _utf8_size(lead: int) -> int:
    if lead < 0x80:
        return 1
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0  # a continuation byte or a byte no UTF-8 text holds


def _code_point(seq: bytes) -> int:
    cp = seq[0] & (0x7F >> len(seq))
    for b in seq[1:]:
        cp = (cp << 6) | (b & 0x3F)
    return cp


def partial_token_is_disallowed(raw: bytes) -> bool:
    """For a token that is not valid UTF-8 on its own: True only when any text holding it has a disallowed character.

    Such a token is a piece of one or more characters. Leading continuation bytes end a character that an earlier
    token began: which one is unknown, so they are never held against the token. Whole characters inside it are
    judged as they are. A lead byte at its end starts a character whose possible code points form a range
    (0xD8 → U+0600–U+063F, Persian letters: kept; 0xE4 → U+4000–U+4FFF, CJK: suppressed); the token goes only if no
    allowed character lies in that range. Anything that is not well-formed UTF-8 is left alone.
    """
    i, n = 0, len(raw)
    while i < n and 0x80 <= raw[i] <= 0xBF:
        i += 1
    while i < n:
        size = _utf8_size(raw[i])
        if size == 0:
            return False
        seq = raw[i : i + size]
        if any(not 0x80 <= b <= 0xBF for b in seq[1:]):
            return False
        if len(seq) == size:
            try:
                ch = seq.decode("utf-8")
            except UnicodeDecodeError:
                return False  # overlong form or surrogate: never in real text
            if not is_allowed(ch):
                return True
            i += size
            continue
        # The token ends inside a character: the smallest and largest code points these bytes can begin.
        pad = size - len(seq)
        lo = max(_code_point(seq + b"\x80" * pad), _UTF8_MIN[size])
        hi = min(_code_point(seq + b"\xbf" * pad), 0x10FFFF)
        return lo > hi or not _range_has_allowed(lo, hi)
    return False


def disallowed_token_ids(tokenizer: Any) -> list[int]:
    """Ids of the text tokens (those before <|endoftext|>) that write a character outside ALLOWED_RANGES.

    Each id is decoded alone with the model's own tokenizer. Text that decodes cleanly is judged character by
    character. A token that does not decode to valid text on its own (U+FFFD: a piece of a multi-byte character)
    is kept unless its bytes can only belong to a disallowed character (`partial_token_is_disallowed`), so every
    piece of a Persian letter, of ZWNJ or of « » stays available.
    """
    eot = tokenizer.token_to_id("<|endoftext|>")
    count = eot if eot is not None else tokenizer.get_vocab_size(with_added_tokens=False)
    texts = tokenizer.decode_batch([[i] for i in range(count)], skip_special_tokens=False)
    ids = []
    for token_id, text in enumerate(texts):
        if "\ufffd" not in text:
            if any(not is_allowed(ch) for ch in text):
                ids.append(token_id)
            continue
        raw = _token_bytes(tokenizer, token_id)
        if raw is not None and partial_token_is_disallowed(raw):
            ids.append(token_id)
    return ids


_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[Any, tuple[int, ...]] = weakref.WeakKeyDictionary()


def suppressed_tokens(model: Any) -> tuple[int, ...]:
    """faster-whisper's `suppress_tokens` for `model`: -1 (the model's default set: speaker tags, ♪, …) and every
    token of a disallowed script. Computed once per loaded model (0.2 s for Whisper's 50,257 text tokens)."""
    with _lock:
        cached = _cache.get(model)
        if cached is None:
            ids = disallowed_token_ids(model.hf_tokenizer)
            cached = (-1, *ids)
            _cache[model] = cached
            log.info("speech: %d of the model's text tokens write other scripts and are suppressed", len(ids))
        return cached
