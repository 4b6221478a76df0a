"""Files sent in the chat: an upload that waits for its chat, kept under the name it was sent with."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

SESSION_WAIT_S = 10.0
MAX_WAITING = 32  # uploads waiting at once (each names a session id, which anyone can make up)
_waiting = 0


class UploadsWaitForTheirChat:
    """ASGI middleware: Chainlit's page opens its websocket, which creates the chat's session, on the first thing
    the person does. A file attached before anything else is posted at that same moment and often arrives first:
    Chainlit answered "Session not found" (in English) and the file was lost. The upload now waits a few seconds for
    its session; Chainlit's own checks (whose session, which file types) follow unchanged."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path") == "/project/file":
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            session_id = (query.get("session_id") or [""])[0]
            if session_id and not await session_opened(session_id):
                from starlette.responses import JSONResponse

                from prompts import t

                await JSONResponse({"detail": t("ui.upload_no_chat")}, status_code=404)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def session_opened(session_id: str, wait_s: float = SESSION_WAIT_S) -> bool:
    """Whether the chat session exists, waiting up to `wait_s` for it to be opened."""
    from chainlit.session import WebsocketSession

    global _waiting
    if WebsocketSession.get_by_id(session_id):
        return True
    if _waiting >= MAX_WAITING or len(session_id) > 64:
        return False
    _waiting += 1
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        # Chainlit offers no event for a new session; its table is a dict in this process, cheap to look at.
        while loop.time() < deadline:
            await asyncio.sleep(0.05)
            if WebsocketSession.get_by_id(session_id):
                return True
        return False
    finally:
        _waiting -= 1


def install(app: Any) -> None:
    from assistant.ui.routes import add_middleware_once

    add_middleware_once(app, UploadsWaitForTheirChat, "dastyar_uploads_wait")


def by_its_name(path: Path, name: str) -> Path:
    """The upload under the name it was sent with, beside Chainlit's copy (a generated id, its extension guessed from
    the mime type: .oga for a .ogg): transcripts, data cards and file checks then show and read the real name. The
    link lives in the session's folder, removed with it."""
    # The name comes from the browser: one plain file name, no folders, no control characters, no backquote (replies
    # show it as code), and no spaces (a path offered in a command stays one word).
    base = re.sub(r"[\x00-\x1f\x7f/\\`]", "", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
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
