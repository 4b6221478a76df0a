"""The chat page's shell and small assets.

Avatars: Chainlit asks `/avatars/<author>` and refuses any name outside `[a-zA-Z0-9_ .-]` with a 400 — every
Persian author («دستیار», «اعلان») showed an empty circle. Dastyar's route, placed first, maps the authors it knows
to the pictures in public/avatars and any other name to Dastyar's own (the name never becomes a path).

The chat page makes no request to other hosts: Chainlit's page shell links Google Fonts and KaTeX's CSS from a
CDN (unreachable offline, and a leak of every visit to third parties). The shell is built per request by
`chainlit.server.get_html_template`; the wrapped builder drops those links (the page uses the Vazirmatn font served
from /public; KaTeX formulas render without their CDN stylesheet)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_FOREIGN_LINK = re.compile(r"<link\b[^>]*?href=\"https?://[^\"]*\"[^>]*?/?>", re.S)


def strip_foreign_links(html: str) -> str:
    return _FOREIGN_LINK.sub("", html)


def install() -> None:
    import chainlit.server as server

    original: Any = server.get_html_template
    if getattr(original, "dastyar_offline", False):
        return

    def offline_template(root_path: str) -> str:
        return strip_foreign_links(original(root_path))

    offline_template.dastyar_offline = True  # type: ignore[attr-defined]
    server.get_html_template = offline_template


AVATAR_DIR = Path(__file__).resolve().parents[2] / "public" / "avatars"


def _avatar_files() -> dict[str, str]:
    from chainlit.config import config

    from prompts import t

    return {"default": "dastyar", str(config.ui.name): "dastyar", t("notifications.author"): "notifications"}


async def avatar_endpoint(avatar_id: str) -> Any:
    from starlette.responses import FileResponse

    name = _avatar_files().get(avatar_id.strip(), "dastyar")
    return FileResponse(AVATAR_DIR / f"{name}.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


def install_avatar_route() -> None:
    from fastapi.routing import APIRoute

    from assistant.ui.routes import put_first

    put_first(APIRoute("/avatars/{avatar_id:str}", avatar_endpoint, methods=["GET"], name="dastyar_avatar"))
