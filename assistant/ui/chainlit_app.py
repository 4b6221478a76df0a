"""Chainlit entry point: forwards messages to the agent and renders replies, job progress and notifications.

Start with `dastyar serve` (or `chainlit run assistant/ui/chainlit_app.py` from the project root).
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import chainlit as cl
import chainlit.server as chainlit_server

from agents.router import route
from agents.secrets import display_masked
from assistant import bootstrap, events, metrics
from assistant.identity import Identity, acting_as, owner_filter
from assistant.jobs import store
from assistant.jobs.runner import get_runner, stop_runner
from assistant.models import JobStatus
from assistant.persian import fa_digits
from assistant.services import notifications as notes
from assistant.services import sampler
from assistant.services.training.job import KIND as TRAINING
from assistant.ui import audio as speech_ui  # microphone (@cl.on_audio_*), spoken replies and notifications
from assistant.ui import auth as local_auth  # noqa: F401  (sign-in without a form: history needs a user)
from assistant.ui import datalayer as history  # chat history on the project's database (@cl.data_layer)
from assistant.ui import page, security, status_view, training_view, uploads, widget  # charts: loss, last hour
from assistant.ui.commands import chainlit_commands
from assistant.ui.health import install_health_route
from assistant.ui.progress import render_progress
from prompts import t


def _run_agent(*args, **kwargs):
    """The agent, imported on the first message (in its turn thread): LangGraph and LangChain are not needed for the
    first page, and they are the largest part of the server's start-up and idle memory."""
    from agents.graph import run_agent

    return run_agent(*args, **kwargs)

log = logging.getLogger("dastyar.ui")


def _identity_of(user) -> Identity:
    """Who this chat's person is, with this chat's upload folder (the files they sent are theirs to name)."""
    session = cl.context.session
    who = widget.identity_of(user, getattr(session, "client_type", None))
    files_dir = getattr(session, "files_dir", None)
    return dataclasses.replace(who, uploads=files_dir) if files_dir is not None else who


uploads.install(chainlit_server.app)  # a file attached first waits for its chat's session (inside security)
security.install(chainlit_server.app)  # Host allow-list, no foreign origins: before the first request
widget.install_routes()  # the embedded chat's sign-in and font
page.install()  # the page shell links nothing on other hosts
page.install_avatar_route()  # Persian authors' avatars (Chainlit's route refuses their names)

_TOAST_TYPES = {"success": "success", "error": "error", "warning": "warning"}

# The agent's turns run on threads of their own. Under load a turn waits on the conversation store; on asyncio's
# default executor (cores + 4 threads) those waits would also hold up every short hand-off of the chat (the file
# behind a /status chart, Chainlit's element writes, job reads), which then queue behind whole turns.
_AGENT_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="dastyar-agent")


async def _in_agent_thread(func, /, *args):
    """`asyncio.to_thread` on the agent's threads: the caller's context (who is asking) goes along."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(_AGENT_THREADS, functools.partial(context.run, func, *args))


@cl.on_app_startup
async def _startup() -> None:
    install_health_route()
    await asyncio.to_thread(history.prepare)  # history tables, kept attachments, this server's session files
    # Load (or build, on a fresh checkout) the intent model now, not in a user's first message.
    await asyncio.to_thread(route, "سلام")
    await asyncio.to_thread(bootstrap.setup)  # job handlers and hooks, before the runner recovers and resumes
    await asyncio.to_thread(get_runner)
    await asyncio.to_thread(sampler.start)  # /status's last hour, and its CPU figure without a wait
    log.info("Dastyar is ready")


@cl.on_app_shutdown
async def _shutdown() -> None:
    sampler.stop()
    _AGENT_THREADS.shutdown(wait=False, cancel_futures=True)
    await asyncio.to_thread(stop_runner)


@cl.set_starters
async def _starters(user=None, language=None) -> list[cl.Starter]:
    return [
        cl.Starter(label=t("ui.starter_help"), message="راهنما"),
        cl.Starter(label=t("ui.starter_status"), message="وضعیت سیستم"),
        cl.Starter(label=t("ui.starter_jobs"), message="کارهای من رو نشون بده"),
        cl.Starter(label=t("ui.starter_notifications"), message="اعلان‌ها"),
    ]


@cl.on_chat_start
async def _chat_start() -> None:
    await _attach(welcome=True)


@cl.on_chat_resume
async def _chat_resume(thread: dict) -> None:
    """An old thread reopened (from the sidebar or by a reload): same conversation, live jobs followed again."""
    saved = dict(cl.context.session.chat_settings or {})  # restored from the thread by Chainlit
    await _attach(welcome=False)
    if saved:
        cl.context.session.chat_settings = {**(cl.context.session.chat_settings or {}), **saved}


async def _attach(*, welcome: bool) -> None:
    """What every chat connection sets up, new or resumed: commands, settings, notifications, live jobs."""
    await cl.context.emitter.set_commands(chainlit_commands())
    await speech_ui.send_settings()
    if not cl.user_session.get("counted"):
        metrics.session_opened()
        cl.user_session.set("counted", True)
    # One subscription per chat to the process's one event feed (no per-chat polling of the database).
    subscription = await asyncio.to_thread(events.get_feed().subscribe_async, asyncio.get_running_loop())
    views: dict[int, _JobView] = {}
    cl.user_session.set("followed", views)
    cl.user_session.set("subscription", subscription)
    who = _identity_of(cl.user_session.get("user"))
    cl.user_session.set("tasks", [asyncio.create_task(_consume(subscription, views, who))])
    # A reloaded page is a new session: re-attach to whatever of this person's is still running.
    mine = owner_filter(who)
    active = await asyncio.to_thread(
        lambda: store.list_jobs(None, [JobStatus.running, JobStatus.queued], 10, owner=mine))
    for job in reversed(active):
        _follow(job.id)
    unread = await asyncio.to_thread(lambda: notes.unread_count(owner=mine)) if welcome else 0
    if unread:
        await cl.Message(content=t("ui.welcome_unread", count=fa_digits(unread)), author=t("notifications.author")).send()


@cl.on_chat_end
async def _chat_end() -> None:
    if cl.user_session.get("counted"):
        metrics.session_closed()
        cl.user_session.set("counted", False)
    for task in cl.user_session.get("tasks") or []:
        task.cancel()
    subscription = cl.user_session.get("subscription")
    if subscription is not None:
        subscription.close()


@cl.on_message
async def _on_message(message: cl.Message) -> None:
    text = message.content or ""
    if message.command:
        # A command chosen from the menu arrives apart from its text.
        text = f"/{message.command} {text}".strip()
    wait = widget.message_wait(_identity_of(cl.user_session.get("user")))
    if wait > 0:  # an anonymous visitor of an embedding site, over their message rate
        await cl.Message(content=t("widget.rate_limited", seconds=fa_digits(int(wait) + 1))).send()
        return
    attachments = [_attachment(el) for el in (message.elements or []) if getattr(el, "path", None)]
    shown = display_masked(message.content or "")
    if shown != (message.content or ""):
        # A token typed into the chat does not stay on screen (nor in the saved thread).
        message.content = shown
        await message.update()
        # Chainlit names a new thread after its first message, before this handler runs.
        from chainlit.data import get_data_layer

        data_layer = get_data_layer()
        if data_layer is not None:
            await data_layer.update_thread(cl.context.session.thread_id, name=shown[:100])
    await respond(text, attachments)


@cl.action_callback("confirm")
async def _on_confirm(action: cl.Action) -> None:
    await action.remove()
    answer = "بله" if action.payload.get("answer") == "yes" else "نه"
    await cl.Message(content=answer, type="user_message").send()
    await respond(answer)


_PICKS = ("اولی", "دومی", "سومی", "چهارمی")


@cl.action_callback("choose")
async def _on_choose(action: cl.Action) -> None:
    """A button of a clarifying question: answered like the typed «اولی»/«دومی»."""
    await action.remove()
    index = int(action.payload.get("index", 0))
    answer = _PICKS[index] if 0 <= index < len(_PICKS) else _PICKS[0]
    await cl.Message(content=str(action.payload.get("label") or answer), type="user_message").send()
    await respond(answer)


async def respond(text: str, attachments: list[dict] | None = None) -> None:
    """Run the agent on one user message (typed, chosen, clicked or spoken) and render its reply."""
    session = cl.context.session
    if not getattr(session, "has_first_interaction", True):  # a spoken first message starts the thread too
        session.has_first_interaction = True
        await cl.context.emitter.init_thread(text)
    try:
        # The thread id names the conversation: the agent's memory follows it into a reopened thread.
        streamed = cl.Message(content="")
        loop = asyncio.get_running_loop()

        def on_token(token: str) -> None:  # called from the agent's thread as the LLM writes
            asyncio.run_coroutine_threadsafe(streamed.stream_token(token), loop)

        # Whoever signed in is who asks: their jobs and notifications, their rights (copied into the agent's thread).
        with acting_as(_identity_of(cl.user_session.get("user"))):
            started = time.perf_counter()
            reply = await _in_agent_thread(_run_agent, text, session.thread_id, attachments or [], on_token)
            metrics.observe_message(reply.tool, time.perf_counter() - started)
    except Exception:  # run_agent already turns failures into text; this is the last guard
        log.exception("message handling failed")
        await cl.Message(content=t("errors.internal")).send()
        return

    actions = [
        cl.Action(name="choose", payload={"index": i, "label": c["label"]}, label=c["label"], icon="arrow-left")
        for i, c in enumerate(reply.choices[: len(_PICKS)])
    ]
    if reply.confirm:
        actions = [
            cl.Action(name="confirm", payload={"answer": "yes"}, label=t("agent.yes"), icon="check"),
            cl.Action(name="confirm", payload={"answer": "no"}, label=t("agent.no"), icon="x"),
        ]
    elements = _elements(reply.media) + status_view.status_elements(reply.tool, reply.data)
    elements += await speech_ui.reply_audio(reply.text, reply.media)
    # When the LLM streamed, the same message ends its stream with the final text, elements and buttons.
    final = streamed if streamed.streaming else cl.Message(content="")
    final.content, final.elements, final.actions = reply.text, elements, actions
    await final.send()
    if reply.job_id is not None:
        job = await asyncio.to_thread(store.get_job, reply.job_id)
        if job is not None and job.status.is_active:
            _follow(job.id)


speech_ui.use_responder(respond)  # spoken messages are answered like typed ones


def _elements(media: list[dict]) -> list:
    elements = []
    for item in media:
        kind, path, name = item.get("kind"), item.get("path"), item.get("name") or "file"
        if kind == "audio":
            elements.append(cl.Audio(name=name, path=path, display="inline", auto_play=bool(item.get("auto_play"))))
        elif kind == "image":
            elements.append(cl.Image(name=name, path=path, display="inline"))
        elif path:
            elements.append(cl.File(name=name, path=path, display="inline"))
    return elements


def _attachment(element) -> dict:
    name = str(element.name or "")
    return {"name": name[:255], "path": str(uploads.by_its_name(Path(str(element.path)), name)),
            "mime": getattr(element, "mime", None) or ""}


def _follow(job_id: int | None) -> None:
    """Show a job's progress in this chat until it ends (once per job and session)."""
    if job_id is None:
        return
    views: dict[int, _JobView] | None = cl.user_session.get("followed")  # the dict the chat's consumer reads
    if views is None or job_id in views:
        return
    # Registered before the first read: an event that arrives meanwhile is drawn by the same view.
    view = views[job_id] = _JobView(job_id)
    tasks = cl.user_session.get("tasks") or []
    tasks.append(asyncio.create_task(view.start()))
    cl.user_session.set("tasks", tasks)


class _JobView:
    """One job's progress message (and, for training, its live chart) in one chat, redrawn on its events."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.msg: cl.Message | None = None
        self.shown = ""
        self.stamp = None  # updated_at of the state on screen: an older snapshot never replaces a newer one
        self.chart: dict = {}
        self.done = False
        self.lock = asyncio.Lock()

    async def start(self) -> None:
        job = await asyncio.to_thread(store.get_job, self.job_id)
        if job is not None:
            await self.show(job)

    async def show(self, job) -> None:
        async with self.lock:
            if self.done or (self.stamp is not None and job.updated_at < self.stamp):
                return
            self.stamp = job.updated_at
            text = render_progress(job)
            if self.msg is None:
                self.msg = cl.Message(content=text)
                await self.msg.send()
            elif text != self.shown:
                self.msg.content = text
                await self.msg.update()
            self.shown = text
            if job.kind == TRAINING:
                await training_view.update_chart(job, self.msg, self.chart)
            elif (training := await asyncio.to_thread(_training_step, job)) is not None:
                await training_view.update_chart(training, self.msg, self.chart)  # a chain's training step
            if not job.status.is_active:
                self.done = True
                await _job_outputs(job)


def _training_step(job):
    """The training job a chain is on (its live chart is the chain's too), else None."""
    steps = (job.result or {}).get("steps") or []
    current = (job.result or {}).get("current")
    if not isinstance(current, int) or not 0 <= current < len(steps):
        return None
    step = steps[current]
    if step.get("name") != "train" or not step.get("job_id"):
        return None
    return store.get_job(int(step["job_id"]))


async def _consume(subscription: events.AsyncSubscription, views: dict[int, _JobView], who: Identity) -> None:
    """This chat's share of the event stream: progress of the jobs it follows, its person's new notifications
    (the server's own news, with no owner, to admins)."""
    async for event in subscription:
        try:
            if isinstance(event, events.JobEvent):
                view = views.get(event.job.id or -1)
                if view is not None:
                    await view.show(event.job)
            elif event.note.owner == who.name or (event.note.owner is None and who.is_admin):
                await _show_notification(event.note)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("chat event handling failed")


async def _job_outputs(job) -> None:
    """What a finished job leaves in the chat: its result's `reply` text and `media` files (e.g. a transcript)."""
    result = job.result or {}
    if job.status == JobStatus.succeeded and (result.get("reply") or result.get("media")):
        await cl.Message(content=result.get("reply") or "", elements=_elements(result.get("media") or [])).send()


async def _show_notification(note) -> None:
    """A notification created by any process, shown in this chat as a message and a toast."""
    body = f"\n\n{note.body}" if note.body else ""
    spoken = await speech_ui.notification_audio(f"{note.title}. {note.body or ''}")
    await cl.Message(content=f"🔔 **{note.title}**{body}", author=t("notifications.author"), elements=spoken).send()
    await cl.context.emitter.send_toast(note.title, _TOAST_TYPES.get(note.level, "info"))
