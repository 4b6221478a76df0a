"""Sign-in by others: DASTYAR_AUTH=header (a reverse proxy names the person; believed only from
DASTYAR_TRUSTED_PROXIES — the connection's own address, never a forwarded one) and DASTYAR_AUTH=oauth (Chainlit's
providers, here GitHub's endpoints served by a fake on 127.0.0.1)."""

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


class _FakeGitHub:
    """GitHub's OAuth endpoints as Chainlit's provider calls them (token, user, emails), on 127.0.0.1."""

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        calls = self.calls = []

        class Handler(BaseHTTPRequestHandler):
            def _send(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # the code for a token
                length = int(self.headers.get("Content-Length") or 0)
                calls.append(("token", self.rfile.read(length).decode()))
                self._send(b"access_token=gho_fake_token_123&token_type=bearer", "application/x-www-form-urlencoded")

            def do_GET(self) -> None:
                calls.append(("get", self.path, self.headers.get("Authorization")))
                body = [] if self.path.endswith("/emails") else {"login": "sara-gh", "avatar_url": "", "id": 7}
                self._send(json.dumps(body).encode(), "application/json")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def test_oauth_through_chainlits_provider_signs_a_person_in(tmp_path_factory):
    import re
    from urllib.parse import parse_qs, urlsplit

    github = _FakeGitHub()
    try:
        with dastyar_server(tmp_path_factory.mktemp("oauth-data"), DASTYAR_AUTH="oauth",
                            OAUTH_GITHUB_CLIENT_ID="dastyar-test-client", OAUTH_GITHUB_CLIENT_SECRET="s3cret",
                            OAUTH_GITHUB_TOKEN_URL=f"{github.url}/token", OAUTH_GITHUB_USER_INFO_URL=f"{github.url}/user",
                            NO_PROXY="127.0.0.1,localhost") as srv:
            client = httpx.Client(base_url=srv["url"], timeout=20)
            assert client.get("/auth/config").json()["oauthProviders"] == ["github"]
            assert client.get("/user").status_code == 401
            go = client.get("/auth/oauth/github")  # to the provider's sign-in page, with a state to come back with
            assert go.status_code in (302, 307)
            target = urlsplit(go.headers["location"])
            query = parse_qs(target.query)
            assert target.netloc == "github.com" and query["client_id"] == ["dastyar-test-client"]
            back = client.get("/auth/oauth/github/callback", params={"code": "c0de", "state": query["state"][0]})
            assert back.status_code in (302, 307) and "error" not in back.headers["location"]
            me = client.get("/user").json()
            assert me["identifier"] == "sara-gh" and me["metadata"]["role"] == "user"
            assert ("token", "client_id=dastyar-test-client&client_secret=s3cret&code=c0de") in github.calls
            assert not re.search(r"gho_fake_token_123", (srv["data"] / "server.log").read_text())
            # A callback with a forged state is refused.
            forged = httpx.Client(base_url=srv["url"], timeout=20).get(
                "/auth/oauth/github/callback", params={"code": "c0de", "state": "forged"})
            assert "error" in forged.headers.get("location", "")
            assert "access_token=" not in forged.headers.get("set-cookie", "")
    finally:
        github.close()
