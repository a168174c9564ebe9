"""REST plumbing: route table, body parsing, recording, faults and response headers.

Handlers receive a `RestCall` and return JSON-able data (200), a `Reply`, or None (204); they
raise `DiscordError` for error answers. Every request, including unknown routes, is recorded.

Faults (`RestServer.fail_next`) answer an error instead of handling a request, or, with
`processed=True`, handle it first and then lose the answer: the client cannot tell whether the
request took effect, which is what a 503 from Discord's edge, a dropped connection or a timeout
leave a real client with.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from bot.rehearsal.discord_standin.errors import DiscordError
from bot.rehearsal.discord_standin.recording import RecordedFile, RecordedRequest, Recorder

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"


#: How an answer can be lost: the connection is closed ("drop") or nothing is ever sent ("hang").
LostReply = Literal["drop", "hang"]


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    #: Set when the client never gets this answer (a fault).
    lost: LostReply | None = None


@dataclass
class RestCall:
    record: RecordedRequest
    params: dict[str, str]

    @property
    def body(self) -> dict[str, Any]:
        data = self.record.json
        return data if isinstance(data, dict) else {}

    @property
    def files(self) -> list[RecordedFile]:
        return self.record.files

    @property
    def query(self) -> dict[str, str]:
        return self.record.query

    def int_param(self, name: str) -> int:
        value = self.params[name]
        if not value.isdigit():
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {name: {"_errors": [{"code": "NUMBER_TYPE_COERCE"}]}},
            )
        return int(value)

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")


Handler = Callable[[RestCall], Awaitable[Any]]


@dataclass
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool


@dataclass
class Fault:
    method: str
    route: str
    status: int | LostReply
    remaining: int
    retry_after: float | None = None
    code: int | None = None
    message: str | None = None
    #: Handle the request first (a message is created and dispatched), then answer the fault.
    processed: bool = False

    def after(self, handled: Reply) -> Reply:
        """What the client gets for a request handled despite the fault."""
        if isinstance(self.status, str):
            return Reply(handled.body, handled.status, handled.headers, lost=self.status)
        return self.reply()

    def reply(self) -> Reply:
        if isinstance(self.status, str):
            return Reply(None, 0, lost=self.status)
        if self.status == 429:
            retry = 0.05 if self.retry_after is None else self.retry_after
            body: dict[str, Any] = {
                "message": "You are being rate limited.",
                "retry_after": retry,
                "global": False,
                "code": 0,
            }
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(math.ceil(retry)),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                "X-RateLimit-Reset-After": f"{retry:.3f}",
                "X-RateLimit-Bucket": _bucket(self.route),
                "X-RateLimit-Scope": "user",
            }
            return Reply(body, 429, headers)
        default = {403: "Missing Permissions", 404: "404: Not Found"}.get(
            self.status, f"{self.status}: stand-in fault"
        )
        code = self.code if self.code is not None else (50013 if self.status == 403 else 0)
        return Reply({"message": self.message or default, "code": code}, self.status)


def _bucket(route: str) -> str:
    return hashlib.sha1(route.encode(), usedforsecurity=False).hexdigest()[:16]


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    regex = "".join(
        f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts if p
    )
    return re.compile(regex)


class RestServer:
    """Matches /api/v10 requests against registered route templates (first match wins)."""

    def __init__(self, recorder: Recorder, token: str) -> None:
        self._recorder = recorder
        self._token = token
        self._routes: list[_Route] = []
        self.faults: list[Fault] = []
        self.internal_errors: list[str] = []
        # Set when the stand-in stops: requests left hanging by a fault are then dropped.
        self._stopping: asyncio.Event | None = None

    def add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        self._routes.append(_Route(method, template, _compile(template), handler, auth))

    @property
    def templates(self) -> list[tuple[str, str]]:
        return [(r.method, r.template) for r in self._routes]

    def fail_next(
        self,
        method: str,
        route: str,
        status: int | LostReply = 500,
        *,
        retry_after: float | None = None,
        code: int | None = None,
        message: str | None = None,
        times: int = 1,
        processed: bool = False,
    ) -> None:
        if (method.upper(), route) not in self.templates and route != "*":
            raise ValueError(f"{method} {route} is not a stand-in route template")
        if isinstance(status, str) and status not in ("drop", "hang"):
            raise ValueError(f"status {status!r}: an HTTP status, 'drop' or 'hang'")
        if processed and status == 429:
            raise ValueError("a 429 means the request was not processed")
        self.faults.append(
            Fault(method.upper(), route, status, times, retry_after, code, message, processed)
        )

    def release_hung(self) -> None:
        """Drop every request a 'hang' fault is holding (the stand-in is stopping)."""
        self._stopping_event().set()

    def _stopping_event(self) -> asyncio.Event:
        if self._stopping is None:
            self._stopping = asyncio.Event()
        return self._stopping

    def _take_fault(self, method: str, route: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fault.route in (route, "*") and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.faults.remove(fault)
                return fault
        return None

    # -------------------------------------------------------------- handling
    async def handle(self, request: web.Request) -> web.Response:
        path = request.path[len(API_PREFIX) :] or "/"
        method = request.method.upper()
        route, params = self._match(method, path)
        json_body, files = await _read_body(request)
        record = self._recorder.new_request(
            method=method,
            path=path,
            route=route.template if route else "<unknown>",
            query=dict(request.query),
            headers=dict(request.headers),
            json=json_body,
            files=files,
            content_type=request.headers.get("Content-Type"),
        )
        reply = await self._reply(request, record, route, params)
        record.status = reply.status
        record.response = reply.body
        record.reply_lost = reply.lost
        self._recorder.finish_request(record)
        if reply.status >= 400:
            log.debug("%s %s -> %s %s", method, path, reply.status, reply.body)
        if reply.lost is not None:
            return await self._lose(request, reply.lost)
        return _to_response(reply, record.route)

    async def _lose(self, request: web.Request, how: LostReply) -> web.Response:
        """Never let the client see an answer: close the connection, at once or at stop."""
        if how == "hang":
            await self._stopping_event().wait()
        if request.transport is not None:
            request.transport.abort()
        # Nothing reaches the client any more; aiohttp only needs a response object.
        return web.Response(status=500)

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        for route in self._routes:
            if route.method != method:
                continue
            found = route.pattern.fullmatch(path)
            if found:
                return route, found.groupdict()
        return None, {}

    async def _reply(
        self,
        request: web.Request,
        record: RecordedRequest,
        route: _Route | None,
        params: dict[str, str],
    ) -> Reply:
        if route is None:
            return Reply({"message": "404: Not Found", "code": 0}, 404)
        if route.auth and request.headers.get("Authorization") != f"Bot {self._token}":
            return Reply({"message": "401: Unauthorized", "code": 0}, 401)
        fault = self._take_fault(record.method, route.template)
        if fault is not None and not fault.processed:
            return fault.reply()
        handled = await self._handle_route(record, route, params)
        if fault is not None and handled.status < 400:
            return fault.after(handled)
        return handled

    async def _handle_route(
        self, record: RecordedRequest, route: _Route, params: dict[str, str]
    ) -> Reply:
        try:
            result = await route.handler(RestCall(record, params))
        except DiscordError as exc:
            return Reply(exc.body(), exc.status)
        except Exception as exc:
            # 503 is not retried by discord.py, so a stand-in bug fails fast instead of sleeping.
            log.exception("stand-in handler failed for %s %s", record.method, record.path)
            self.internal_errors.append(f"{record.method} {record.path}: {exc!r}")
            return Reply({"message": f"stand-in internal error: {exc!r}", "code": 0}, 503)
        if isinstance(result, Reply):
            return result
        return Reply(result, 200) if result is not None else Reply(None, 204)


async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    content_type = request.headers.get("Content-Type", "")
    files: list[RecordedFile] = []
    if content_type.startswith("multipart/"):
        payload: Any = None
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                if name == "payload_json":
                    payload = json.loads(data)
                else:
                    files.append(RecordedFile(name, value.filename, data, value.content_type))
            elif name == "payload_json":
                payload = json.loads(value if isinstance(value, str) else bytes(value))
        return payload, files
    raw = await request.read()
    if not raw:
        return None, files
    with contextlib.suppress(ValueError):
        return json.loads(raw), files
    return raw.decode(errors="replace"), files


def _to_response(reply: Reply, route: str) -> web.Response:
    # A roomy bucket that never runs dry: discord.py then never pre-emptively sleeps, even for a
    # burst of concurrent sends. Real limits are tighter; tests inject 429s with fail_next().
    headers = {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": _bucket(route),
    }
    headers.update(reply.headers)
    if reply.body is None:
        return web.Response(status=reply.status, headers=headers)
    # Exactly "application/json": with a charset suffix discord.py would treat the body as text.
    body = json.dumps(reply.body, ensure_ascii=False).encode()
    return web.Response(
        body=body, status=reply.status, headers=headers, content_type="application/json"
    )
