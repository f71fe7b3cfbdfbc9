"""A small AWS Lambda Runtime API server: the contract the runtime inside an image talks to.

The published API (``/2018-06-01/runtime/...``, docs: "AWS Lambda runtime API"): the runtime
polls ``GET invocation/next`` (which blocks until there is an event; the response carries the
event as body and the request id, deadline, function ARN and trace id as headers), then posts
``invocation/<request id>/response`` or ``invocation/<request id>/error`` (202 Accepted); a
runtime that cannot initialise posts ``init/error``. Everything else is 404, an unknown request
id is 400, a response over 6 MB is 413 (as Lambda).

This is the contract the image's ``awslambdaric`` speaks, not a mock of VOICE code: the handler
code runs unchanged inside the container. Times are measured here, where Lambda measures them:
init ends when the runtime first asks for an event; an invocation runs from handing the event
out to receiving its response.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Invocation", "RuntimeApi"]

PREFIX = "/2018-06-01/runtime/"
MAX_RESPONSE_BYTES = 6 * 1024 * 1024


@dataclass
class Invocation:
    """One event and what the runtime did with it."""

    event: bytes
    deadline_s: float
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    handed_out_at: float | None = None
    finished_at: float | None = None
    response: Any = None
    error: dict[str, Any] | None = None
    error_type: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def run_s(self) -> float:
        assert self.handed_out_at is not None
        assert self.finished_at is not None
        return self.finished_at - self.handed_out_at


def _trace_id() -> str:
    """An X-Ray trace header as Lambda passes it (not sampled)."""
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0"


class RuntimeApi:
    """Serve the Runtime API on ``host:port`` (port 0: any free port) for one function instance."""

    def __init__(self, host: str, *, function_arn: str, port: int = 0) -> None:
        self.function_arn = function_arn
        self.pending: queue.Queue[Invocation] = queue.Queue()
        self.by_id: dict[str, Invocation] = {}
        self.first_poll_at: float | None = None
        self.init_error: dict[str, Any] | None = None
        self.init_error_seen = threading.Event()
        self.requests: list[tuple[str, str]] = []
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def __enter__(self) -> RuntimeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def submit(self, event: Any, *, timeout_s: float) -> Invocation:
        """Queue ``event`` with a deadline ``timeout_s`` from now (the runtime learns it from the
        ``Lambda-Runtime-Deadline-Ms`` header); returns at once."""
        invocation = Invocation(json.dumps(event).encode(), deadline_s=time.time() + timeout_s)
        self.by_id[invocation.request_id] = invocation
        self.pending.put(invocation)
        return invocation

    def invoke(self, event: Any, *, timeout_s: float) -> Invocation:
        """Queue ``event``; wait until the runtime answered (or ``timeout_s`` passed)."""
        invocation = self.submit(event, timeout_s=timeout_s)
        if not invocation.done.wait(timeout_s + 30):
            raise TimeoutError(f"no answer to invocation {invocation.request_id} in {timeout_s} s")
        return invocation

    # --- HTTP -----------------------------------------------------------------------------------

    def _next(self) -> Invocation | None:
        if self.first_poll_at is None:
            self.first_poll_at = time.time()
        while not self._stopping.is_set():
            try:
                invocation = self.pending.get(timeout=0.5)
            except queue.Empty:
                continue
            invocation.handed_out_at = time.time()
            return invocation
        return None

    def _finish(self, request_id: str, body: bytes, error_type: str | None, *, failed: bool) -> HTTPStatus:
        invocation = self.by_id.get(request_id)
        if invocation is None or invocation.done.is_set():
            return HTTPStatus.BAD_REQUEST
        if len(body) > MAX_RESPONSE_BYTES:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE
        invocation.finished_at = time.time()
        payload = json.loads(body) if body else None
        if failed:
            invocation.error, invocation.error_type = payload, error_type
        else:
            invocation.response = payload
        invocation.done.set()
        return HTTPStatus.ACCEPTED

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # the runtime keeps its connection open

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _reply(
                self, status: HTTPStatus, body: bytes = b"", headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The container may have been stopped while it waited for an event.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def do_GET(self) -> None:
                api.requests.append(("GET", self.path))
                if self.path != PREFIX + "invocation/next":
                    self._reply(HTTPStatus.NOT_FOUND, b'{"errorType":"NotFound"}')
                    return
                invocation = api._next()
                if invocation is None:
                    self._reply(HTTPStatus.INTERNAL_SERVER_ERROR, b'{"errorType":"ShuttingDown"}')
                    return
                headers = {
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(int(invocation.deadline_s * 1000)),
                    "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                    "Lambda-Runtime-Trace-Id": _trace_id(),
                }
                self._reply(HTTPStatus.OK, invocation.event, headers)

            def do_POST(self) -> None:
                api.requests.append(("POST", self.path))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
                parts = self.path.removeprefix(PREFIX).split("/")
                if self.path == PREFIX + "init/error":
                    api.init_error = {"type": error_type, **(json.loads(body) if body else {})}
                    api.init_error_seen.set()
                    status = HTTPStatus.ACCEPTED
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in {"response", "error"}:
                    status = api._finish(parts[1], body, error_type, failed=parts[2] == "error")
                else:
                    status = HTTPStatus.NOT_FOUND
                self._reply(status, b'{"status":"OK"}' if status == HTTPStatus.ACCEPTED else b"{}")

        return Handler
