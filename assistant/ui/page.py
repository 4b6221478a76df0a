"""The chat page makes no request to other hosts: Chainlit's page shell links Google Fonts and KaTeX's CSS from a
CDN (unreachable offline, and a leak of every visit to third parties). The shell is built per request by
`chainlit.server.get_html_template`; the wrapped builder drops those links (the page uses the Vazirmatn font served
from /public; KaTeX formulas render without their CDN stylesheet)."""

from __future__ import annotations

import re
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
