"""Files sent in the chat, kept under the names they were sent with."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path


def by_its_name(path: Path, name: str) -> Path:
    """The upload under the name it was sent with, beside Chainlit's copy (a generated id, its extension guessed from
    the mime type: .oga for a .ogg): transcripts, data cards and file checks then show and read the real name. The
    link lives in the session's folder, removed with it."""
    # The name comes from the browser: one plain file name, no folders, no control characters, and no spaces (a path
    # offered in a command stays one word).
    base = re.sub(r"[\x00-\x1f\x7f/\\]", "", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    base = re.sub(r"\s+", "_", base)
    stem, dot, ext = base.rpartition(".")
    if dot and len(ext) <= 10:
        base = f"{stem[:100]}.{ext}"
    base = base[:110]
    if not base.strip(".") or not path.is_file():
        return path
    target = path.parent / path.stem / base
    try:
        target.parent.mkdir(exist_ok=True)
        if not target.exists():
            try:
                os.link(path, target)
            except OSError:  # another file system, or links not allowed
                shutil.copyfile(path, target)
    except OSError:
        return path
    return target
