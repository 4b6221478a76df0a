"""An OpenAI-compatible chat server on 127.0.0.1 that answers with scripted replies (tool calls or text, streamed).

litellm's own HTTP client talks to it exactly as it would to OpenAI, vLLM, Ollama or a llama.cpp server.

Fault knobs (the drills in tests/drills/test_llm_faults.py): `stall_seconds` holds every request that long before
answering (a server that never answers), `stall_after_chunks` stops a streamed answer midway for as long, `statuses`
answers the next requests with those HTTP statuses (429, 500, …) before `status` applies again, `retry_after` goes with
a 429, and `raw_tool_call` / `empty` script replies a real model sometimes sends (arguments that are not JSON, no text).
An error body repeats the request's bearer key, as some gateways do, so a test can prove it never reaches the person.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The API key the tests give litellm (the conftest fixture `llm_server`): it must never reach a reply, a log line,
# the conversation's memory or a request body.
LLM_TEST_KEY = "sk-test-SECRET123"


def tool_call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"tool_calls": [{"name": name, "arguments": arguments}]}


def text(content: str) -> dict[str, Any]:
    return {"content": content}


def raw_tool_call(name: str, arguments: str) -> dict[str, Any]:
    """A tool call whose arguments are sent exactly as given (not JSON-encoded): broken JSON, a JSON list, …"""
    return {"tool_calls": [{"name": name, "raw_arguments": arguments}]}


def empty() -> dict[str, Any]:
    """An answer with neither text nor a tool call."""
    return {"content": ""}


class ScriptedLLMServer:
    """Each POST /v1/chat/completions takes the next scripted reply; `requests` keeps what was asked."""

    def __init__(self, script: list[dict[str, Any]] | None = None, *, status: int = 200) -> None:
        self.script = list(script or [])
        self.status = status
        self.statuses: list[int] = []  # taken one per request before `status`
        self.retry_after: str | None = None  # the Retry-After header of an error answer
        self.stall_seconds = 0.0  # every request waits this long before any answer
        self.stall_after_chunks: int | None = None  # a stream stops after this many chunks for `stall_seconds`
        self.requests: list[dict[str, Any]] = []
        self.stalled = threading.Event()  # set when a request has begun waiting (tests wait on it, not on time)
        self._release = threading.Event()  # set on exit: stalled handlers end at once
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    def behave(self) -> None:
        """Back to answering normally (the rest of the script, status 200, no stalls)."""
        with self._lock:
            self.statuses, self.status, self.stall_seconds, self.stall_after_chunks = [], 200, 0.0, None
            self.retry_after = None

    def _next(self) -> tuple[int, dict[str, Any] | None]:
        with self._lock:
            status = self.statuses.pop(0) if self.statuses else self.status
            if status != 200:
                return status, None
            return status, self.script.pop(0) if self.script else text("پایان")

    def _stall(self) -> None:
        if self.stall_seconds > 0:
            self.stalled.set()
            self._release.wait(self.stall_seconds)

    def __enter__(self) -> ScriptedLLMServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                server.requests.append(body)
                status, reply = server._next()
                if server.stall_after_chunks is None:
                    server._stall()
                if reply is None:
                    key = self.headers.get("authorization", "")
                    error = {"message": f"scripted failure {status} for {key}", "type": "server_error"}
                    self._json(status, {"error": error})
                    return
                try:
                    if body.get("stream"):
                        self._stream(body, reply)
                    else:
                        self._json(200, _completion(body, reply))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (its timeout): nothing left to answer

            def _json(self, status: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                if status != 200 and server.retry_after is not None:
                    self.send_header("retry-after", server.retry_after)
                self.end_headers()
                self.wfile.write(raw)

            def _stream(self, body: dict[str, Any], reply: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for i, chunk in enumerate(_chunks(body, reply)):
                    if i == server.stall_after_chunks:
                        server._stall()
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(0.01)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._release.set()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"


def _message(reply: dict[str, Any]) -> dict[str, Any]:
    if "tool_calls" in reply:
        calls = [
            {"id": f"call_{uuid.uuid4().hex[:8]}", "type": "function",
             "function": {"name": c["name"], "arguments": c["raw_arguments"] if "raw_arguments" in c
                          else json.dumps(c["arguments"], ensure_ascii=False)}}
            for c in reply["tool_calls"]
        ]
        return {"role": "assistant", "content": None, "tool_calls": calls}
    return {"role": "assistant", "content": reply["content"]}


def _completion(body: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    message = _message(reply)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:8]}", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", "test"),
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if "tool_calls" in message else "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _chunks(body: dict[str, Any], reply: dict[str, Any]):
    base = {"id": f"chatcmpl-{uuid.uuid4().hex[:8]}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": body.get("model", "test")}
    message = _message(reply)
    if "tool_calls" in message:
        for i, call in enumerate(message["tool_calls"]):
            delta = {"role": "assistant", "tool_calls": [{"index": i, **call}]}
            yield {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
        yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}
        return
    words = message["content"].split(" ")
    for i, word in enumerate(words):
        piece = word if i == 0 else " " + word
        yield {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}]}
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
