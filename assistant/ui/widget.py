"""The chat embedded in other web sites: Chainlit's copilot, signed in by the host site, Persian and right to left.

- `POST /auth/jwt` (where the copilot sends its `accessToken`) takes a *widget* token minted by the host site's
  backend (`assistant.services.widget_tokens`), never a Chainlit session token, and answers only the app's own
  pages and the origins in DASTYAR_WIDGET_ORIGINS. The session it opens lasts as long as the token.
- `accessToken: "anonymous"` opens a visitor session when DASTYAR_WIDGET_ANONYMOUS is set: a fresh visitor name,
  the tools of DASTYAR_WIDGET_TOOLS only, a message rate per visitor and a sign-in rate per address.
- Inside the widget nobody is an admin, whatever their cookie says.
- `/public/theme.json` names the Vazirmatn font by absolute URL (the copilot adds it to the host page, where a
  relative URL would point at the host site; without it the copilot asks Google Fonts).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from assistant.config import get_settings
from assistant.identity import LOCAL, Identity

ANONYMOUS = "anonymous"
VISITOR_PREFIX = "visitor-"
SIGN_INS_PER_HOUR = 200  # anonymous sessions one address may open (a class behind one NAT fits)


class RateLimiter:
    """At most `limit` events per `window` seconds for each key (a sliding window; memory bounded by keys)."""

    def __init__(self, limit: int, window: float, max_keys: int = 10_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, key: str, now: float | None = None) -> float:
        """0 and the event counted when allowed; else how long until it would be."""
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return events[0] + self.window - now
            events.append(now)
            if len(self._events) > self.max_keys:  # forget the quietest keys first
                for stale in [k for k, v in self._events.items() if not v][: len(self._events) // 2] or \
                        list(self._events)[: len(self._events) // 10]:
                    self._events.pop(stale, None)
            return 0.0


_messages: RateLimiter | None = None
_sign_ins = RateLimiter(SIGN_INS_PER_HOUR, 3600)


def message_wait(who: Identity) -> float:
    """Seconds an anonymous visitor must wait before the next message (0: go ahead). Signed-in people: no limit."""
    global _messages
    if who.role != "visitor":
        return 0.0
    if _messages is None:
        _messages = RateLimiter(get_settings().widget_rate_per_minute, 60)
    return _messages.wait_seconds(who.name)


def visitor_tools() -> frozenset[str]:
    return frozenset(x.strip() for x in get_settings().widget_tools.split(",") if x.strip())


def identity_of(user: Any, client_type: str | None = None) -> Identity:
    """Who a chat session's signed-in user is. In the widget (Chainlit's "copilot" client) nobody is an admin."""
    meta = (getattr(user, "metadata", None) or {}) if user is not None else {}
    provider = meta.get("provider")
    if user is None or provider == "local":
        who = LOCAL
    elif provider == "visitor":
        return Identity(user.identifier, "visitor", visitor_tools())
    else:
        who = Identity(user.identifier, meta.get("role") or "user")
    if client_type == "copilot" and who.is_admin:
        return Identity(who.name, "user")
    return who


def _same_host(origin: str, host_header: str) -> bool:
    return (urlsplit(origin).hostname or "") == (urlsplit(f"//{host_header}").hostname or "")


def _origin_ok(request) -> bool:
    from assistant.ui.security import origin_allowed

    origin = request.headers.get("origin")
    return origin_allowed(origin, {"HTTP_HOST": request.headers.get("host", "")})


def _session_token(user, seconds: int) -> str:
    """A Chainlit session token for `user` that ends with the widget token (not the app's session length)."""
    import os
    from datetime import UTC, datetime, timedelta

    import jwt

    now = datetime.now(UTC)
    payload = {**user.to_dict(), "iat": now, "exp": now + timedelta(seconds=seconds)}
    return jwt.encode(payload, os.environ["CHAINLIT_AUTH_SECRET"], algorithm="HS256")


def _current_visitor(request) -> str | None:
    """The visitor name of this browser's still-valid visitor session, so a reload keeps the same visitor."""
    from chainlit.auth import decode_jwt
    from chainlit.auth.cookie import get_token_from_cookies

    token = get_token_from_cookies(dict(request.cookies))
    if not token:
        return None
    try:
        user = decode_jwt(token)
    except Exception:
        return None
    return user.identifier if (user.metadata or {}).get("provider") == "visitor" else None


async def widget_sign_in(request):
    """The copilot's sign-in: a widget token (or "anonymous") → a session cookie for that person."""
    import asyncio

    import chainlit as cl
    from chainlit.auth.cookie import _auth_cookie_name
    from chainlit.data import get_data_layer
    from starlette.responses import JSONResponse

    from assistant.services import widget_tokens

    def refuse(status: int = 401) -> JSONResponse:
        return JSONResponse({"detail": "credentialssignin"}, status_code=status)

    if not _origin_ok(request):
        return refuse(403)
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return refuse()
    token = token.strip()
    settings = get_settings()
    if token == ANONYMOUS:
        if not settings.widget_anonymous:
            return refuse()
        name = _current_visitor(request)
        if name is None:
            address = request.client.host if request.client else "?"
            if _sign_ins.wait_seconds(f"ip:{address}") > 0:
                return refuse(429)
            name = VISITOR_PREFIX + secrets.token_hex(8)
        user = cl.User(identifier=name, display_name="مهمان", metadata={"provider": "visitor", "role": "visitor"})
        seconds = int(settings.widget_token_max_hours * 3600)
    else:
        try:
            name = await asyncio.to_thread(widget_tokens.verify, token)
            claims = _claims(token)
        except widget_tokens.WidgetTokenError:
            return refuse()
        user = cl.User(identifier=name, display_name=name.removesuffix(widget_tokens.SUFFIX),
                       metadata={"provider": "widget", "role": "user"})
        seconds = max(1, int(float(claims["exp"]) - time.time()))
    if (data_layer := get_data_layer()) is not None:
        await data_layer.create_user(user)
    response = JSONResponse({"success": True})
    origin = request.headers.get("origin")
    # A host page on another site (not just another port) needs SameSite=None, which browsers accept only Secure.
    cross_site = bool(origin) and not _same_host(origin, request.headers.get("host", ""))
    response.set_cookie(_auth_cookie_name, _session_token(user, seconds), max_age=seconds, path="/", httponly=True,
                        secure=cross_site, samesite="none" if cross_site else "lax")
    return response


def _claims(token: str) -> dict[str, Any]:
    import jwt

    return jwt.decode(token, options={"verify_signature": False})  # already verified by widget_tokens.verify


async def theme(request):
    from starlette.responses import JSONResponse

    base = str(request.base_url).rstrip("/")
    return JSONResponse({"custom_fonts": [f"{base}/public/fonts/vazirmatn.css"]})


class WidgetSettings:
    """ASGI middleware: `/project/settings` asked from another origin (the widget) says `dataPersistence: false`.

    Chainlit 2.12's copilot renders a message's feedback buttons with a hook *after* an early return that depends on
    that flag, and the flag flips while the settings are fetched again after the first message: React then stops
    the whole widget ("Minified React error #310"). With the flag constant the widget works; it has no history
    sidebar anyway and the conversation is still kept."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("path") != "/project/settings":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        origin = headers.get("origin")
        if not origin or urlsplit(origin).netloc == headers.get("host"):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def buffered(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            payload = bytes(body)
            headers = start.get("headers", [])
            try:
                import gzip
                import json

                gzipped = any(k.lower() == b"content-encoding" and b"gzip" in v for k, v in headers)
                data = json.loads(gzip.decompress(payload) if gzipped else payload)
                if isinstance(data, dict) and "dataPersistence" in data:
                    data["dataPersistence"] = False
                    payload = json.dumps(data).encode()
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-encoding"]
            except (ValueError, OSError):
                pass
            out = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            out.append((b"content-length", str(len(payload)).encode()))
            await send({**start, "headers": out})
            await send({"type": "http.response.body", "body": payload})

        await self.app(scope, receive, buffered)


def install_middleware(app) -> None:
    app.add_middleware(WidgetSettings)


def install_routes() -> None:
    """Before Chainlit's own `/auth/jwt` and its static `/public` (first match wins)."""
    from starlette.routing import Route

    from assistant.ui.routes import put_first

    put_first(Route("/auth/jwt", widget_sign_in, methods=["POST"], name="dastyar_widget_sign_in"))
    put_first(Route("/public/theme.json", theme, methods=["GET"], name="dastyar_theme"))
