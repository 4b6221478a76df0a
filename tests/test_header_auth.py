"""DASTYAR_AUTH=header: a reverse proxy names the person; believed only from DASTYAR_TRUSTED_PROXIES (the
connection's own address, never a forwarded one)."""

from __future__ import annotations

import httpx
import pytest

from tests.browser_support import BROWSER_MARKS, dastyar_server

pytestmark = BROWSER_MARKS  # a real server process

PROXY = "127.0.0.2"  # a second loopback address: connections from it are the "proxy", from 127.0.0.1 a stranger


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with dastyar_server(tmp_path_factory.mktemp("header-data"), DASTYAR_AUTH="header", DASTYAR_TRUSTED_PROXIES=PROXY,
                        DASTYAR_ADMINS="maryam") as srv:
        yield srv


def _client(url: str, source: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=20, transport=httpx.HTTPTransport(local_address=source))


def test_the_header_counts_only_from_the_trusted_proxy(server):
    stranger = _client(server["url"], "127.0.0.1")
    for headers in ({"X-Forwarded-User": "maryam"}, {"X-Forwarded-User": "maryam", "X-Forwarded-For": PROXY}):
        answer = stranger.post("/auth/header", headers=headers)
        assert answer.status_code == 401 and "set-cookie" not in answer.headers
    assert stranger.get("/user").status_code == 401
    proxy = _client(server["url"], PROXY)
    for headers in ({}, {"X-Forwarded-User": ""}, {"X-Forwarded-User": "../../etc"}, {"X-Forwarded-User": "a b"}):
        assert proxy.post("/auth/header", headers=headers).status_code == 401


def test_a_person_named_by_the_proxy_is_signed_in_with_their_role(server):
    sara = _client(server["url"], PROXY)
    assert sara.post("/auth/header", headers={"X-Forwarded-User": "sara", "X-Forwarded-For": "10.1.2.3"}).status_code == 200
    assert sara.get("/user").json()["identifier"] == "sara"
    assert "routes" not in sara.get("/health", params={"routes": 1}).json()  # a user, not an admin
    maryam = _client(server["url"], PROXY)
    assert maryam.post("/auth/header", headers={"X-Forwarded-User": "maryam"}).status_code == 200
    assert maryam.get("/user").json()["metadata"]["role"] == "admin"
    assert maryam.get("/health", params={"routes": 1}).json()["routes"]
    # The session cookie, once given, works from anywhere (the proxy is where people sign in, not every request).
    anywhere = _client(server["url"], "127.0.0.1")
    anywhere.cookies.update(sara.cookies)
    assert anywhere.get("/user").json()["identifier"] == "sara"
