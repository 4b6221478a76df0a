"""Who may talk to the server: Host names (DNS rebinding), browser origins (CORS and the Socket.IO handshake).

Installed on Chainlit's app when the chat module is imported, before the server takes its first request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from assistant.config import get_settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def allowed_hosts() -> list[str]:
    """Host header values served (without port): loopback names, plus DASTYAR_ALLOWED_HOSTS."""
    return [*LOOPBACK_HOSTS, *_split(get_settings().allowed_hosts)]


def widget_origins() -> list[str]:
    """Exact origins (scheme://host[:port]) of the sites allowed to embed the chat: DASTYAR_WIDGET_ORIGINS."""
    return [o.rstrip("/") for o in _split(get_settings().widget_origins) if o != "*"]


def is_loopback(host: str) -> bool:
    return host.strip("[]") in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def origin_allowed(origin: str | None, environ: dict[str, Any] | None = None) -> bool:
    """A browser origin may open the chat's websocket: the page's own origin (same Host, itself allowed) or a
    listed widget origin. Never any origin at all."""
    if not origin:
        return True  # not a browser cross-origin request (the CLI, tests, curl)
    if origin.rstrip("/") in widget_origins():
        return True
    host = (environ or {}).get("HTTP_HOST", "")
    parts = urlsplit(origin)
    if not parts.netloc or parts.netloc != host:
        return False
    return (parts.hostname or "") in allowed_hosts() or f"[{parts.hostname}]" in allowed_hosts()


PEER_KEY = "dastyar.peer"


class KeepPeer:
    """ASGI middleware (outermost): remembers the connection's own address before forwarded headers replace it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            scope[PEER_KEY] = client[0] if client else None
        await self.app(scope, receive, send)


def from_trusted_proxy(scope: dict[str, Any]) -> bool:
    """The connection itself (not what a header claims) comes from one of DASTYAR_TRUSTED_PROXIES."""
    from uvicorn.middleware.proxy_headers import _TrustedHosts

    peer = scope.get(PEER_KEY, (scope.get("client") or (None,))[0])
    return bool(peer) and peer in _TrustedHosts(get_settings().trusted_proxies)


def install(app: Any) -> None:
    """Host allow-list on every HTTP and websocket request; CORS and Socket.IO limited to the widget's origins."""
    from chainlit.config import config
    from chainlit.server import sio
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    if getattr(app.state, "dastyar_security", False):
        return
    app.state.dastyar_security = True
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    hosts = [h.strip("[]") for h in allowed_hosts()]
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    # The client address and scheme a trusted proxy forwards; the connection's own peer is kept for header sign-in.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=get_settings().trusted_proxies)
    app.add_middleware(KeepPeer)
    from assistant.ui.widget import install_middleware

    install_middleware(app)
    # Chainlit's CORS middleware holds this very list (built at the first request): never "*" with credentials.
    config.project.allow_origins[:] = widget_origins()
    sio.eio.cors_allowed_origins = origin_allowed
    # Engine.IO only checks the origin: Chainlit's CORS middleware already answers for the socket's HTTP polling,
    # and a second Access-Control-Allow-Origin header makes browsers refuse the response.
    sio.eio._cors_headers = lambda environ: []
