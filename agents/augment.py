"""Style-changed copies of the corpus's messages, for tuning the encoder (agents/finetune.py).

The corpus's writers mostly typed tidy Persian; people also dictate (no punctuation, numbers as words, fillers), type
Arabic ی/ک, drop the zero-width non-joiner and mistype. One copy per training message in one of those styles taught
the encoder to read them: on one held-out fold the tuned encoder alone answered 92.2% instead of 91.1%, and the same
number of steps without copies 91.4% (README, "Augmentation"). Copies are only for tuning: the held-out figures are
on the messages as written.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SMALL_NUMBER = re.compile(r"(?<![\w./-])\d{1,3}(?![\w./-])")  # not a part of a repo id, a version or a path
_PUNCTUATION = re.compile(r"[«»\"'!?؟،,؛;:…()\[\]]|\.(?!\w)")
FILLERS = ("خب", "اِ", "یعنی", "ببین", "ام")
ZWNJ = "\u200c"


def _number_words(n: int) -> str:
    from num2words import num2words

    return num2words(n, lang="fa")


def dictated(text: str, rng: random.Random) -> str:
    """As a speech recognizer writes it: numbers in words, no punctuation or ZWNJ, a filler or two."""
    text = _SMALL_NUMBER.sub(lambda m: _number_words(int(m.group())), text.translate(_DIGITS))
    words = _PUNCTUATION.sub(" ", text).replace(ZWNJ, " ").split()
    if rng.random() < 0.6:
        words.insert(0, rng.choice(FILLERS))
    if len(words) > 3 and rng.random() < 0.4:
        words.insert(rng.randrange(1, len(words)), rng.choice(FILLERS))
    return " ".join(words)


def arabic_letters(text: str, rng: random.Random) -> str:
    return text.replace("ی", "ي").replace("ک", "ك")


def without_zwnj(text: str, rng: random.Random) -> str:
    """Parts of a word joined, or split by a space, as keyboards without the non-joiner write them."""
    return text.replace(ZWNJ, "" if rng.random() < 0.5 else " ")


def mistyped(text: str, rng: random.Random) -> str:
    """One letter dropped or two swapped in one Persian word of four letters or more."""
    words = text.split()
    persian = [i for i, w in enumerate(words) if len(w) >= 4 and not w.isascii()]
    if not persian:
        return text
    i = rng.choice(persian)
    word, k = words[i], rng.randrange(1, len(words[i]) - 1)
    if rng.random() < 0.5:
        words[i] = word[:k] + word[k + 1:]
    else:
        words[i] = word[:k - 1] + word[k] + word[k - 1] + word[k + 1:]
    return " ".join(words)


STYLES: tuple[Callable[[str, random.Random], str], ...] = (dictated, dictated, arabic_letters, without_zwnj, mistyped)
SEED = 1
VERSION = "1"  # part of the tuned encoder's key: a change here is a new fit


def copies(texts: Sequence[str], indices: Sequence[int], seed: int = SEED) -> list[tuple[int, str]]:
    """One copy of each of these messages in a style drawn at random (dictated twice as often), as (the original's
    index, the copy); a copy that came out unchanged is left out. The same seed gives the same copies."""
    rng = random.Random(seed)
    out = []
    for i in indices:
        copy = rng.choice(STYLES)(texts[i], rng)
        if copy != texts[i]:
            out.append((i, copy))
    return out
