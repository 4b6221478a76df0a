"""`dastyar`: the command-line face of the assistant (route, ask, serve, doctor)."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Dastyar (دستیار): Persian assistant for ML work")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=None, default=str))


@app.command()
def route(
    text: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print {tool, args} as JSON")] = False,
) -> None:
    """Show which tool the offline router picks for TEXT, without running anything."""
    from agents.router import route as route_text
    from agents.secrets import scrub

    result = route_text(text)
    # a token typed into TEXT is read (set_hf_token gets it) but never printed: shells keep their output in logs
    if as_json:
        _print_json(scrub(result.to_dict()))
    else:
        typer.echo(f"{result.tool or '-'} {json.dumps(scrub(result.args), ensure_ascii=False)}")


@app.command()
def ask(
    text: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print the tool result as JSON")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Follow a job it starts until it ends")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to follow a job with --wait")] = 24 * 3600,
) -> None:
    """Run the same agent as the chat on TEXT and print its reply."""
    from agents.quick import answer
    from assistant import bootstrap
    from assistant.jobs import runner

    bootstrap.setup()
    if wait:
        _catch_interrupts()
    # Jobs belong to the server when one runs; otherwise this process runs them only if it stays to wait.
    paused = runner.server_runner_alive() or not wait
    runner.set_runner_mode(paused=paused)
    if not paused:
        # Started before the turn: a job left running by a process that died is resumed first (the turn may offer
        # to follow it rather than start it again), and a followed job always has a runner.
        runner.get_runner()
    try:
        reply = answer(text)
        if as_json:
            _print_json(
                {"tool": reply.tool, "args": reply.args, "ok": reply.ok, "text": reply.text, "data": reply.data,
                 "job_id": reply.job_id, "choices": reply.choices}
            )
        else:
            typer.echo(reply.text)
        if wait and reply.job_id is not None:
            code = _follow(reply.job_id, timeout, quiet=as_json)
            raise typer.Exit(code)
        if not reply.ok:
            raise typer.Exit(1)
    finally:
        runner.stop_runner()


_INTERRUPTED = threading.Event()


def _catch_interrupts() -> None:
    """Ctrl-C leaves a mark that `_follow` checks, and raises only outside the import machinery: raised inside an
    import lock's clean-up callback (seen in CI) Python prints it as "Exception ignored … Traceback" and drops it."""
    import signal

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _interrupted)


def _interrupted(signum: int, frame: FrameType | None) -> None:
    _INTERRUPTED.set()
    if frame is None or not frame.f_code.co_filename.startswith("<frozen "):
        raise KeyboardInterrupt


def _follow(job_id: int, timeout: float, quiet: bool) -> int:
    """Print the job's progress from the event stream (the same one the chat reads) until it ends."""
    from assistant import events
    from assistant.jobs import store
    from assistant.models import JobStatus
    from assistant.ui.progress import render_progress

    deadline = time.monotonic() + timeout
    subscription = events.get_feed().subscribe()  # before the first read: no change can slip between
    shown = ""
    job = store.get_job(job_id)
    try:
        while True:
            if job is None:
                return 1
            text = render_progress(job)
            if text != shown and not quiet:
                typer.echo(text.replace("\n\n", " | "))
                shown = text
            if not job.status.is_active:
                if quiet:
                    from tools.jobs import job_dict

                    _print_json({"job": job_dict(job)})
                return 0 if job.status == JobStatus.succeeded else 1
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return 2
                if _INTERRUPTED.is_set():
                    raise KeyboardInterrupt
                event = subscription.get(timeout=min(left, 0.5))  # 0.5: how soon a dropped Ctrl-C is seen
                if isinstance(event, events.JobEvent) and event.job.id == job_id:
                    job = event.job
                    break
    finally:
        subscription.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    app_file: Annotated[Path | None, typer.Option("--app", hidden=True)] = None,  # tests add their job kinds
) -> None:
    """Start the chat server (Chainlit) with the job runner."""
    from assistant.config import get_settings
    from assistant.ui.security import is_loopback
    from prompts import t

    settings = get_settings()
    listen = host or settings.host
    if settings.auth not in ("local", "password", "header", "oauth"):
        typer.echo(t("errors.auth_unknown", mode=settings.auth), err=True)
        raise typer.Exit(2)
    if settings.auth == "oauth":
        from chainlit.oauth_providers import get_configured_oauth_providers

        if not get_configured_oauth_providers():
            typer.echo(t("errors.oauth_no_provider"), err=True)
            raise typer.Exit(2)
    if settings.auth == "local" and not is_loopback(listen):  # "local" signs in whoever connects: only the person at this machine may
        typer.echo(t("errors.local_auth_not_loopback", host=listen), err=True)
        raise typer.Exit(2)
    if settings.job_backend == "ray":  # a cluster's nodes must reach the database: refused before anything starts
        from assistant.jobs.cluster import ClusterError, check_database

        try:
            check_database()
        except ClusterError as exc:
            typer.echo(exc.user_message, err=True)
            raise typer.Exit(2) from None
    target = (app_file or PROJECT_ROOT / "assistant" / "ui" / "chainlit_app.py").resolve()
    args = [
        sys.executable, "-m", "chainlit", "run", str(target), "--headless",
        "--host", listen, "--port", str(port or settings.port),
    ]
    os.chdir(PROJECT_ROOT)  # Chainlit reads .chainlit/ and public/ from the working directory
    os.environ.setdefault("CHAINLIT_APP_ROOT", str(PROJECT_ROOT))
    # Uvicorn would believe X-Forwarded-For from loopback before the app sees the connection; the app does it
    # itself (assistant/ui/security.py), knowing the real peer, for DASTYAR_TRUSTED_PROXIES only.
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    os.execv(sys.executable, args)


user_app = typer.Typer(no_args_is_help=True, help="Accounts for DASTYAR_AUTH=password (the first one is an admin)")
app.add_typer(user_app, name="user")


def _password(password_stdin: bool) -> str:
    from prompts import t

    if password_stdin:  # scripts: `printf '%s' "$PW" | dastyar user add NAME --password-stdin`
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt(t("accounts.password_prompt"), hide_input=True, confirmation_prompt=True)


def _account_call(func, *args, **kwargs):
    from assistant.services.accounts import AccountError

    try:
        return func(*args, **kwargs)
    except AccountError as exc:
        typer.echo(exc.user_message, err=True)
        raise typer.Exit(2) from None


@user_app.command("add")
def user_add(
    name: str,
    admin: Annotated[bool, typer.Option("--admin", help="May manage users, the Hub token and the mirror")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
) -> None:
    """Create an account (asks for its password)."""
    from assistant.services import accounts
    from prompts import t

    account = _account_call(accounts.add_account, name, _password(password_stdin), admin=admin)
    typer.echo(t("accounts.added", name=account.name, role=t(f"accounts.role_{account.role}")))


@user_app.command("list")
def user_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The accounts, with their roles."""
    from assistant.services import accounts
    from prompts import t

    rows = accounts.list_accounts()
    if as_json:
        _print_json([{"name": a.name, "role": a.role, "disabled": a.disabled} for a in rows])
        return
    for a in rows:
        typer.echo(f"{a.name}\t{t(f'accounts.role_{a.role}')}")
    if not rows:
        typer.echo(t("accounts.none"))


@user_app.command("passwd")
def user_passwd(
    name: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
) -> None:
    """Set an account's password."""
    from assistant.services import accounts
    from prompts import t

    _account_call(accounts.set_password, name, _password(password_stdin))
    typer.echo(t("accounts.password_set", name=name))


@user_app.command("remove")
def user_remove(name: str) -> None:
    """Remove an account (never the last admin)."""
    from assistant.services import accounts
    from prompts import t

    _account_call(accounts.remove_account, name)
    typer.echo(t("accounts.removed", name=name))


def _seconds(ttl: str) -> float | None:
    """`90`, `90s`, `30m`, `1h` (any digit script) → seconds; None when unreadable."""
    from assistant.persian import to_latin_digits

    text = to_latin_digits(str(ttl).strip().lower())
    unit = {"s": 1, "m": 60, "h": 3600}.get(text[-1:], None)
    number = text[:-1] if unit else text
    try:
        value = float(number) * (unit or 1)
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


@app.command("widget-token")
def widget_token(
    user: Annotated[str, typer.Option("--user", help="The person's name on the host site")],
    ttl: Annotated[str, typer.Option("--ttl", help="How long it is valid: 90s, 30m, 1h")] = "1h",
) -> None:
    """Mint a short-lived access token for the embedded widget (what the host site's backend does)."""
    from assistant.config import get_settings
    from assistant.services import widget_tokens
    from prompts import t

    seconds = _seconds(ttl)
    max_hours = get_settings().widget_token_max_hours
    try:
        if seconds is None:
            raise widget_tokens.WidgetTokenError("bad_ttl")
        token = widget_tokens.mint(user, seconds)
    except widget_tokens.WidgetTokenError as exc:
        from assistant.persian import fa_digits

        typer.echo(t(f"widget.{exc.code}", hours=fa_digits(f"{max_hours:g}")), err=True)
        raise typer.Exit(2) from None
    typer.echo(token)


@app.command()
def doctor(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check what is installed and reachable: packages, database, hub, speech engines."""
    from assistant.services.doctor import Check, run_checks

    checks = run_checks()
    checks.append(_intent_check(Check))
    checks.append(_warm_check(Check))
    if as_json:
        _print_json([c.__dict__ for c in checks])
        return
    for check in checks:
        mark = {"ok": "✔", "warn": "!", "error": "✘"}[check.level]
        typer.echo(f"{mark} {check.name}: {check.detail}")


def _warm_check(check: type) -> object:
    """Is a warm process answering `ask` and `route` in this shell's environment (assistant/launch.py)?"""
    from assistant import launch
    from prompts import t

    if not launch.enabled():
        return check("cli_warm", "ok", t("doctor.cli_warm_off"))
    path = launch.socket_path()
    pid = launch.running_pid(path) if path is not None else None
    return check("cli_warm", "ok", t("doctor.cli_warm_ready", pid=pid) if pid else t("doctor.cli_warm_idle"))


def _intent_check(check: type) -> object:
    """The offline router's model: built (and for which corpus), or still to be trained on first use."""
    from agents import intent

    path = intent.model_path()
    if not path.exists():
        return check("intent_model", "warn", f"{path} — not built yet (`make setup` or the first message builds it)")
    from agents import encoder

    model = intent.get_model()
    if encoder.available():
        second, status = f"second opinion below p={intent.SECOND_OPINION}: {encoder.name()}", "ok"
    else:
        second, status = f"no second opinion: {encoder.describe()}", "warn"
    return check("intent_model", status, f"{path.name}: {len(model.labels)} labels, {len(model.index)} features, "
                                         f"T={model.temperature:.2f}; {second}")


def main() -> None:
    from assistant.config import SettingsError
    from assistant.errors import SchemaTooNew

    try:
        app()
    except (SchemaTooNew, SettingsError) as exc:  # a clear sentence instead of a traceback, whatever the command
        typer.echo(exc.user_message, err=True)
        _leave(2)
    except SystemExit as done:
        _leave(done.code)
    _leave(0)


def _leave(code: object) -> None:
    """Exit without the interpreter taking every module apart (~0.1–0.2 s with this many loaded, on every command):
    what has to happen at exit (atexit handlers, logging's flush, the output) happens first. While another thread
    still runs (a job followed past `--timeout`), the usual exit, which waits for it."""
    import atexit
    import logging
    import threading

    status = code if isinstance(code, int) else 0 if code is None else 1
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
    if any(t.is_alive() and not t.daemon and t is not threading.main_thread() for t in threading.enumerate()):
        sys.exit(status)
    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


if __name__ == "__main__":
    main()
