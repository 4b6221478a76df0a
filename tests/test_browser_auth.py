"""DASTYAR_AUTH=password: every route of the running app closed without a session, a Persian sign-in page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import httpx
import pytest

from tests.browser_support import BROWSER_MARKS, chromium, dastyar_server, last_reply, send
from tests.conftest import ROOT

pytestmark = BROWSER_MARKS

# What a browser needs before signing in (the page shell, its assets, the sign-in form and its texts) and the
# sign-in/out calls themselves. Everything else must answer 401/403 without a session.
PUBLIC = {"/", "/{full_path:path}", "/public/{filename:path}", "/assets/{filename:path}", "/copilot/{filename:path}",
          "/auth/config", "/project/translations", "/login", "/logout", "/favicon", "/logo", "/health",
          "/auth/oauth/{provider_id}", "/auth/oauth/{provider_id}/callback", "/auth/oauth/azure-ad-hybrid/callback",
          "/avatars/{avatar_id:str}", "/ws/socket.io",
          # Chainlit's own: echoes a websocket session id into the caller's cookie (the socket still needs a sign-in),
          # and header sign-in, which answers 400 in this mode (checked below).
          "/set-session-cookie", "/auth/header",
          # The font the widget names by absolute URL (static, like the rest of /public).
          "/public/theme.json"}
PASSWORD = "maryam-pass-123"
METRICS_TOKEN = "scrape-7f3a9c1e5b2d4068"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("auth-data")
    env = {**os.environ, "DASTYAR_DATA_DIR": str(data)}
    for name, password in (("maryam", PASSWORD), ("sara", "sara-pass-456"), ("reza", "reza-pass-789"),
                           ("nima", "nima-pass-012")):
        subprocess.run([sys.executable, "-m", "assistant.cli", "user", "add", name, "--password-stdin"], cwd=ROOT,
                       env=env, input=password + "\n", check=True, capture_output=True, text=True, timeout=120)
    # With the tests' job kinds: a job queued for nima by another process is run by this server.
    with dastyar_server(data, app=ROOT / "tests" / "fixture_app.py", DASTYAR_AUTH="password",
                        DASTYAR_METRICS_TOKEN=METRICS_TOKEN) as srv:
        yield srv


def _signed_in(url: str, name: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=20)
    assert client.post("/login", data={"username": name, "password": password}).status_code == 200
    return client


def test_every_route_of_the_running_app_is_closed_without_a_session(server):
    url = server["url"]
    routes = _signed_in(url, "maryam", PASSWORD).get("/health", params={"routes": 1}).json()["routes"]
    user = _signed_in(url, "sara", "sara-pass-456")
    assert "routes" not in user.get("/health", params={"routes": 1}).json()  # admins only
    assert len(routes) > 20 and any(r["path"] == "/project/threads" for r in routes)
    anonymous = httpx.Client(base_url=url, timeout=20)
    assert anonymous.get("/health").json() == {"status": "ok"}  # up or down, nothing more
    checked = []
    for route in routes:
        if route["path"] in PUBLIC:
            continue
        path = re.sub(r"\{[^}]+\}", "x1", route["path"])
        for method in route["methods"]:
            if method == "HEAD":
                continue
            answer = anonymous.request(method, path, json={} if method != "GET" else None)
            checked.append((method, route["path"], answer.status_code, answer.text[:120]))
    open_routes = [c for c in checked if c[2] not in (401, 403)]
    assert not open_routes, "\n".join(map(str, open_routes))
    assert len(checked) > 15
    for gone in ("/docs", "/openapi.json", "/redoc"):
        assert gone not in {r["path"] for r in routes}


def test_wrong_passwords_are_refused_and_then_throttled(server):
    client = httpx.Client(base_url=server["url"], timeout=20)
    for _ in range(5):
        assert client.post("/login", data={"username": "nobody-x", "password": "wrong-one-1"}).status_code == 401
        assert client.post("/login", data={"username": "sara", "password": "wrong-one-1"}).status_code == 401
    # Five failures in a row: for a while even the right password is refused for that name.
    assert client.post("/login", data={"username": "sara", "password": "sara-pass-456"}).status_code == 401
    header = client.post("/auth/header", headers={"X-Forwarded-User": "maryam"})
    assert header.status_code in (400, 401, 404) and "set-cookie" not in header.headers  # no header sign-in here


def test_persian_sign_in_page_then_the_chat(server, artifacts):
    with chromium() as browser:
        context = browser.new_context(locale="fa-IR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(server["url"])
        page.wait_for_url(re.compile(r"/login"))
        assert page.evaluate("document.documentElement.dir") == "rtl"
        page.get_by_text("نام کاربری").first.wait_for()
        page.screenshot(path=str(artifacts / "sign-in.png"), full_page=True)
        page.locator("input#email, input[name=email], input[type=email], input[type=text]").first.fill("maryam")
        page.locator("input[type=password]").first.fill("wrong password 1")
        page.get_by_role("button", name="ورود").click()
        page.get_by_text("ورود ممکن نشد").or_(page.get_by_text("نادرست")).first.wait_for()
        page.locator("input[type=password]").first.fill(PASSWORD)
        page.get_by_role("button", name="ورود").click()
        page.wait_for_selector("textarea#chat-input")
        send(page, "راهنما")
        last_reply(page, "جستجوی مدل")
        page.screenshot(path=str(artifacts / "signed-in-chat.png"), full_page=True)
        context.close()


_SUBMIT_FOR_NIMA = (
    "import tests.job_fixtures\n"
    "from assistant.jobs import store\n"
    "job = store.create_job('test_count', {'steps': 3, 'delay': 0}, owner='nima', title='شمارش نیما')\n"
    "print(job.id)\n"
)


def _chat_as(browser, url: str, name: str, password: str):
    context = browser.new_context(locale="fa-IR", viewport={"width": 1280, "height": 900})
    assert context.request.post(f"{url}/login", form={"username": name, "password": password}).ok
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector("textarea#chat-input")
    page.get_by_text("وضعیت سیستم").first.wait_for()  # the starters: the websocket is connected
    return page


def test_two_people_see_only_their_own_jobs_notifications_and_threads(server, artifacts):
    url = server["url"]
    with chromium() as browser:
        nima = _chat_as(browser, url, "nima", "nima-pass-012")
        reza = _chat_as(browser, url, "reza", "reza-pass-789")
        send(nima, "/status")
        last_reply(nima, "پردازنده")
        nima.wait_for_url(re.compile(r"/thread/[0-9a-f-]{36}"))
        thread_id = nima.url.rsplit("/", 1)[-1]
        out = subprocess.run([sys.executable, "-c", _SUBMIT_FOR_NIMA], cwd=ROOT, env=server["env"],
                             capture_output=True, text=True, timeout=60, check=True)
        job_id = int(out.stdout.strip().splitlines()[-1])
        # Nima is told her job ended; Reza's chat, open all along, is not.
        note = nima.locator(".message-content", has_text="🔔").last
        note.wait_for(timeout=60_000)
        assert "شمارش نیما" in note.inner_text() or str(job_id) in note.inner_text().translate(
            str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
        send(reza, "/jobs")
        jobs_reply = last_reply(reza, "کار").inner_text()
        assert "شمارش نیما" not in jobs_reply
        assert reza.locator(".message-content", has_text="🔔").count() == 0
        send(reza, f"/job {job_id}")
        hidden = last_reply(reza, "پیدا").inner_text()
        send(reza, "/job 99999")
        missing = last_reply(reza, "۹۹۹۹۹").inner_text()
        assert hidden.replace(str(job_id), "N").translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")).replace(
            str(job_id), "N") == missing.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")).replace("99999", "N")
        # Nima's thread is not Reza's to read, through the page's API or by its address.
        log = server["data"] / "server.log"
        as_reza = reza.context.request.get(f"{url}/project/thread/{thread_id}")
        assert as_reza.status in (401, 403, 404), log.read_text()[-4000:]
        assert nima.context.request.get(f"{url}/project/thread/{thread_id}").ok, log.read_text()[-4000:]
        # A thread that does not exist (or has no owner yet) is "not found", never a server error.
        assert nima.context.request.get(f"{url}/project/thread/{uuid.uuid4()}").status == 404
        reza.screenshot(path=str(artifacts / "two-users-reza.png"))
        nima.context.close()
        reza.context.close()


def _families(text: str) -> dict:
    from prometheus_client.parser import text_string_to_metric_families

    return {f.name: f for f in text_string_to_metric_families(text)}


def test_metrics_for_a_scraper_with_the_token_or_an_admin_never_anyone_else(server):
    """`/metrics` in the Prometheus text format, parsed by prometheus_client's own parser: a message answered in
    a real chat is counted under its tool, a job counted from the Job table, the process's memory reported."""
    url = server["url"]
    with chromium() as browser:
        reza = _chat_as(browser, url, "reza", "reza-pass-789")
        send(reza, "/jobs")
        last_reply(reza, "کار")
        out = subprocess.run([sys.executable, "-c", _SUBMIT_FOR_NIMA], cwd=ROOT, env=server["env"],
                             capture_output=True, text=True, timeout=60, check=True)
        assert out.stdout.strip()
        anonymous = httpx.Client(base_url=url, timeout=20)
        assert anonymous.get("/metrics").status_code == 401
        assert anonymous.get("/metrics", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
        assert _signed_in(url, "nima", "nima-pass-012").get("/metrics").status_code == 403  # a user, not an admin
        scraped = anonymous.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
        by_admin = _signed_in(url, "maryam", PASSWORD).get("/metrics")
        assert by_admin.status_code == 200
        families = _families(scraped.text)
        messages = families["dastyar_message_seconds"]
        assert messages.type == "histogram"
        counts = {s.labels["tool"]: s.value for s in messages.samples if s.name == "dastyar_message_seconds_count"}
        assert counts.get("list_jobs", 0) >= 1, counts
        assert families["dastyar_chat_sessions"].samples[0].value >= 1
        jobs = {(s.labels["kind"], s.labels["state"]): s.value for s in families["dastyar_jobs"].samples}
        assert sum(v for (kind, _), v in jobs.items() if kind == "test_count") >= 1, jobs
        assert families["process_resident_memory_bytes"].samples[0].value > 10_000_000
        assert "dastyar_job_duration_seconds" in families and "dastyar_download_fetched_bytes" in families
        assert METRICS_TOKEN not in scraped.text and "maryam" not in scraped.text
        reza.context.close()
