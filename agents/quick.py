"""The command line's conversation, answered without LangGraph when a turn allows it.

`dastyar ask` is one process per message, and importing LangGraph and LangChain costs about half a second of each.
A turn needs the graph only for what the conversation store holds: a question waiting for its answer, the LLM, a
reply that asks a question of its own. The others (commands, most sentences) run here through the same steps
(agents/turn.py); what they teach the conversation (its memory, the exchange) is journalled in a small file beside
the database, and the graph's next turn on this conversation folds the journal into the store first.

The file says whether a question waits and what the memory held as the last turn ended. No file (the first turn, a
turn of the graph under way or cut short), a file of another database or version: the graph answers, and writes
the file again when its turn ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agents.followups import MEMORY_KEYS
from agents.turn import MAX_MESSAGE_CHARS, AgentReply, reply_of, reply_text, route_turn, run_route

log = logging.getLogger(__name__)

THREAD = "default"  # the command line's conversation (what `run_agent` uses without a session id)
KEEP_EXCHANGES = 20  # journalled exchanges; the graph keeps 40 messages of history in all
_VERSION = 1


def _path() -> Path:
    from assistant.config import get_settings

    return get_settings().data_dir / "cli-conversation.json"


def _store_key() -> str:
    from assistant.config import get_settings

    return hashlib.sha256(get_settings().db_url.encode()).hexdigest()[:16]


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One command-line process at a time reads and writes the file (two `dastyar ask` at once are rare, not
    impossible)."""
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:  # not on POSIX: no lock
            pass
        yield


def _read() -> dict[str, Any] | None:
    try:
        record = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("version") != _VERSION or record.get("store") != _store_key():
        return None
    return record


def _write(record: dict[str, Any]) -> None:
    path = _path()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({**record, "version": _VERSION, "store": _store_key()}, ensure_ascii=False),
                   encoding="utf-8")
    os.replace(tmp, path)


def answer(text: str) -> AgentReply:
    """The command line's turn: here when it can be, else by the agent's graph."""
    reply = _quick(text)
    if reply is not None:
        return reply
    from agents.graph import run_agent

    return run_agent(text)


def _quick(text: str) -> AgentReply | None:
    from agents.secrets import mask_secrets

    if len(text or "") > MAX_MESSAGE_CHARS or not (text or "").strip():
        return None
    with _locked():
        try:
            record = _read()
            if record is None or record.get("pending"):
                return None
            text = mask_secrets(text)
            memory = dict(record.get("memory") or {})
            r = route_turn(text, [], memory)
            if r["source"] in ("llm", "clarify") or r.get("next"):
                return None  # the LLM, or a question: the graph's
        except Exception:
            log.exception("quick turn: routing failed; the agent's graph answers")
            return None
        update: dict[str, Any] = {}
        if r["tool"] and not r["missing"]:
            update = run_route(r)  # from here on the tool has run: what follows must not run it again
            if update["result"].get("confirm") or update["result"].get("choices"):
                # It asks before acting (a large download, a training's check, a plan card): the question must wait
                # in the conversation store. Such a tool has done nothing yet; the graph asks it again.
                return None
        result = update.get("result")
        said = reply_text(r, result)
        learned = {k: v for k, v in update.items() if k in MEMORY_KEYS}
        try:
            carry = {**(record.get("carry") or {}), **learned}
            exchanges = [*(record.get("exchanges") or []), [text, said[:2000]]][-KEEP_EXCHANGES:]
            _write({"pending": False, "memory": {**memory, **learned}, "carry": carry, "exchanges": exchanges})
        except OSError:
            log.warning("quick turn: the conversation file could not be written; its memory of this turn is lost")
        return reply_of({"route": r, "result": result, "reply": said, "job_id": update.get("job_id")})


def fold(graph: Any, config: dict[str, Any]) -> None:
    """Before the graph's turn on the command line's conversation: what quick turns journalled goes into the store,
    and the file is removed until the turn has ended (`ended`)."""
    with _locked():
        record = _read()
        with contextlib.suppress(OSError):
            _path().unlink()
        if record is None or not (record.get("carry") or record.get("exchanges")):
            return
        from langchain_core.messages import AIMessage, HumanMessage

        values: dict[str, Any] = dict(record.get("carry") or {})
        values["messages"] = [m for human, ai in record.get("exchanges") or []
                              for m in (HumanMessage(content=human), AIMessage(content=ai))]
        try:
            graph.update_state(config, values, as_node="reply")
        except Exception:  # the memory of a few commands is not worth the turn
            log.exception("quick turns could not be folded into the conversation store")


def ended(values: dict[str, Any], pending: Any) -> None:
    """The graph's turn on the command line's conversation has ended: what the next quick turn needs to know."""
    memory = {k: values.get(k) for k in MEMORY_KEYS if values.get(k) is not None}
    with _locked(), contextlib.suppress(OSError, TypeError, ValueError):
        _write({"pending": pending is not None, "memory": memory, "carry": {}, "exchanges": []})
