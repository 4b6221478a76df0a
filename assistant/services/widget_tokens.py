"""Access tokens of the embeddable widget: the host site's backend says who its visitor is.

A token is a JWT (HS256) with `sub` (the person's name on the host site), `aud` "dastyar-widget", `iat` and `exp`,
signed with DASTYAR_WIDGET_SECRET. It is short-lived (at most DASTYAR_WIDGET_TOKEN_MAX_HOURS) and never makes an
admin: a widget identity is a person of the host site, kept apart from the server's accounts (`<name>@widget`).
The key is not Chainlit's session key: a host site that can mint widget tokens cannot mint sessions.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from assistant.config import get_settings

AUDIENCE = "dastyar-widget"
SECRET_FILE = ".widget-secret"
MIN_SECRET = 32
SUFFIX = "@widget"
_NAME = re.compile(r"^[\w.@\-]{1,64}$")


class WidgetTokenError(ValueError):
    """A token refused (code: secret_short | bad_name | bad_ttl | invalid); the caller says so in Persian."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def secret() -> str:
    """DASTYAR_WIDGET_SECRET, else a key made once and kept in the data directory (mode 0600)."""
    settings = get_settings()
    if settings.widget_secret is not None:
        value = settings.widget_secret.get_secret_value()
        if len(value) < MIN_SECRET:
            raise WidgetTokenError("secret_short")
        return value
    path = settings.data_dir / SECRET_FILE
    return _kept_secret(path)


def _kept_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    value = path.read_text().strip()
    if len(value) < MIN_SECRET:  # an interrupted first write
        value = secrets.token_urlsafe(48)
        path.write_text(value)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return value


def mint(name: str, ttl_seconds: float) -> str:
    """A token for `name`, valid for `ttl_seconds` (what the host site's backend does; also `dastyar widget-token`)."""
    import jwt

    name = str(name or "").strip()
    if not _NAME.match(name):
        raise WidgetTokenError("bad_name")
    if not 0 < ttl_seconds <= get_settings().widget_token_max_hours * 3600:
        raise WidgetTokenError("bad_ttl")
    now = int(time.time())
    return jwt.encode({"sub": name, "aud": AUDIENCE, "iat": now, "exp": now + int(ttl_seconds)}, secret(),
                      algorithm="HS256")


def verify(token: str) -> str:
    """The widget identity a token names (`<name>@widget`), or WidgetTokenError("invalid")."""
    import jwt

    if not token or len(token) > 4096:
        raise WidgetTokenError("invalid")
    try:
        claims = jwt.decode(token, secret(), algorithms=["HS256"], audience=AUDIENCE,
                            options={"require": ["sub", "exp", "iat", "aud"]}, leeway=30)
    except jwt.PyJWTError:
        raise WidgetTokenError("invalid") from None
    lifetime = float(claims["exp"]) - float(claims["iat"])
    if lifetime > get_settings().widget_token_max_hours * 3600 + 1 or float(claims["iat"]) > time.time() + 60:
        raise WidgetTokenError("invalid")  # a token that claims to last longer than allowed, or issued in the future
    name = str(claims["sub"])
    if not _NAME.match(name):
        raise WidgetTokenError("invalid")
    return name + SUFFIX
