"""The chat page's shell and small assets.

Avatars: Chainlit asks `/avatars/<author>` and refuses any name outside `[a-zA-Z0-9_ .-]` with a 400 — every
Persian author («دستیار», «اعلان») showed an empty circle. Dastyar's route, placed first, maps the authors it knows
to the pictures in public/avatars and any other name to Dastyar's own (the name never becomes a path).

The chat page makes no request to other hosts: Chainlit's page shell links Google Fonts and KaTeX's CSS from a
CDN (unreachable offline, and a leak of every visit to third parties). The shell is built per request by
`chainlit.server.get_html_template`; the wrapped builder drops those links (the page uses the Vazirmatn font served
from /public; KaTeX formulas render without their CDN stylesheet).

Accessible names: the same shell carries prompts/a11y.toml as JSON (`<script id="dastyar-a11y">`), the Persian names
that public/rtl.js gives Chainlit's icon buttons, which have none or English ones."""

from __future__ import annotations

import re
from functools import cache
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
        return with_a11y_names(strip_foreign_links(original(root_path)))

    offline_template.dastyar_offline = True  # type: ignore[attr-defined]
    server.get_html_template = offline_template


def a11y_names() -> dict[str, Any]:
    """Persian accessible names for the page's controls (prompts/a11y.toml) and the job states that end a job, read
    by public/rtl.js: Chainlit's icon buttons have no names, or English ones, and no hook to give them."""
    import tomllib

    from prompts import t

    with open(Path(__file__).resolve().parents[2] / "prompts" / "a11y.toml", "rb") as fh:
        table = tomllib.load(fh)
    table["live"]["ended"] = [t(f"jobs.status.{s}") for s in ("succeeded", "failed", "cancelled", "interrupted")]
    return table


@cache
def _a11y_script() -> str:
    import json

    data = json.dumps(a11y_names(), ensure_ascii=False).replace("</", "<\\/")
    return f'<script id="dastyar-a11y" type="application/json">{data}</script>'


def with_a11y_names(html: str) -> str:
    """The page shell with the names as JSON at the top of <head>, there before /public/rtl.js runs."""
    return html.replace("<head>", "<head>\n" + _a11y_script(), 1)


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
