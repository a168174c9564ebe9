"""What the stand-in saw and did, and race-free waiting on it.

Every list here only grows. A `Cursor` remembers list lengths, so "wait for something after the
cursor" never misses an item that arrived between taking the cursor and starting to wait.
"""

# The waiting API takes `timeout=` on purpose: tests read better than with asyncio.timeout.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

JSON = dict[str, Any]
T = TypeVar("T")

log = logging.getLogger(__name__)


class StandInTimeout(TimeoutError):
    """Raised by the `wait_for_*` helpers; the message says what was seen instead."""


@dataclass(frozen=True)
class RecordedFile:
    field: str
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class RecordedRequest:
    index: int
    method: str
    path: str  # concrete, without the /api/v10 prefix
    route: str  # template, e.g. "/channels/{channel_id}/messages"
    query: dict[str, str]
    headers: dict[str, str]
    json: Any  # parsed JSON body, or payload_json of a multipart body
    files: list[RecordedFile]
    content_type: str | None
    timestamp: float  # time.monotonic()
    status: int = 0
    response: Any = None
    #: "drop" or "hang" when the client never got this answer (a fault); status 0 then means the
    #: request was not even handled.
    reply_lost: str | None = None

    @property
    def attachments(self) -> list[RecordedFile]:
        return self.files

    @property
    def is_multipart(self) -> bool:
        return (self.content_type or "").startswith("multipart/")

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass(frozen=True)
class GatewayFrame:
    """One gateway payload; `data` is the `d` field."""

    index: int
    op: int
    event: str | None
    seq: int | None
    data: Any
    timestamp: float


MessageEventKind = Literal["create", "edit", "delete"]


@dataclass(frozen=True)
class MessageEvent:
    index: int
    kind: MessageEventKind
    message: JSON  # a snapshot taken when the event happened
    timestamp: float

    @property
    def channel_id(self) -> int:
        return int(self.message["channel_id"])

    @property
    def message_id(self) -> int:
        return int(self.message["id"])


@dataclass(frozen=True)
class Cursor:
    """Positions in the stand-in's logs; pass as `after=` to wait only for newer items."""

    requests: int = 0
    messages: int = 0
    gateway_received: int = 0
    gateway_sent: int = 0


@dataclass
class Recorder:
    requests: list[RecordedRequest] = field(default_factory=list)
    message_log: list[MessageEvent] = field(default_factory=list)
    gateway_events_received: list[GatewayFrame] = field(default_factory=list)
    gateway_events_sent: list[GatewayFrame] = field(default_factory=list)
    message_listeners: list[Callable[[MessageEvent], None]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def cursor(self) -> Cursor:
        return Cursor(
            len(self.requests),
            len(self.message_log),
            len(self.gateway_events_received),
            len(self.gateway_events_sent),
        )

    # -------------------------------------------------------------- recording
    def new_request(self, **fields: Any) -> RecordedRequest:
        request = RecordedRequest(index=len(self.requests), timestamp=time.monotonic(), **fields)
        return request

    def finish_request(self, request: RecordedRequest) -> None:
        self.requests.append(request)
        self.notify()

    def log_message(self, kind: MessageEventKind, message: JSON) -> None:
        event = MessageEvent(len(self.message_log), kind, copy.deepcopy(message), time.monotonic())
        self.message_log.append(event)
        for listener in list(self.message_listeners):
            try:
                listener(event)
            except Exception:
                log.exception("message listener %r failed", listener)
        self.notify()

    def log_gateway(self, direction: Literal["received", "sent"], payload: JSON) -> None:
        target = (
            self.gateway_events_received if direction == "received" else self.gateway_events_sent
        )
        frame = GatewayFrame(
            len(target),
            int(payload.get("op", -1)),
            payload.get("t"),
            payload.get("s"),
            payload.get("d"),
            time.monotonic(),
        )
        target.append(frame)
        self.notify()

    def notify(self) -> None:
        """Wake every waiter; each re-checks its own condition."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # ---------------------------------------------------------------- waiting
    async def wait_until(
        self, check: Callable[[], T | None], timeout: float, describe: Callable[[], str]
    ) -> T:
        """Return check()'s first non-None result; re-checked after every recorded change."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            event = self._changed
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise StandInTimeout(f"timed out after {timeout}s waiting for {describe()}")
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                continue


def first_match(items: Sequence[T], start: int, predicate: Callable[[T], bool]) -> T | None:
    for item in items[start:]:
        if predicate(item):
            return item
    return None
