"""Reading what the stand-in recorded, and waiting for it without sleeping.

Mixed into `DiscordStandIn`. Every wait takes `after=` (a `Cursor`, default: the moment of the
call) so a test can take a cursor, trigger the bot, then wait without missing a fast answer.
"""

# The waiting API takes `timeout=` on purpose: tests read better than with asyncio.timeout.
# ruff: noqa: ASYNC109

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Literal

from bot.rehearsal.discord_standin.gateway import Gateway
from bot.rehearsal.discord_standin.messages import LOADING, MessageStore, describe_message
from bot.rehearsal.discord_standin.recording import (
    Cursor,
    GatewayFrame,
    MessageEvent,
    RecordedRequest,
    Recorder,
    first_match,
)
from bot.rehearsal.discord_standin.rest import RestServer
from bot.rehearsal.discord_standin.world import JSON, StandInUser, World

UserRef = str | int | StandInUser
ChannelRef = str | int


class Observation:
    world: World
    recorder: Recorder
    store: MessageStore
    gateway: Gateway
    rest: RestServer

    # ------------------------------------------------------------------ gateway
    @property
    def connected(self) -> bool:
        return self.gateway.connected

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.gateway.resume_count

    async def wait_until_identified(self, timeout: float = 5.0) -> None:
        await self.recorder.wait_until(
            lambda: True if self.gateway.session is not None else None, timeout, lambda: "IDENTIFY"
        )

    async def wait_until_connected(self, timeout: float = 5.0) -> None:
        """Wait for a live socket attached to a session (after IDENTIFY or RESUME)."""
        await self.recorder.wait_until(
            lambda: True if self.gateway.connected else None, timeout, lambda: "a gateway session"
        )

    async def gateway_barrier(self, timeout: float = 5.0) -> None:
        """Return once the bot has read every dispatch sent so far.

        Asks for a heartbeat (op 1); the client answers in order, after parsing earlier frames.
        """
        await self.wait_until_connected(timeout)
        start = len(self.recorder.gateway_events_received)
        self.gateway.request_heartbeat()
        await self.recorder.wait_until(
            lambda: first_match(self.recorder.gateway_events_received, start, lambda f: f.op == 1),
            timeout,
            lambda: "the heartbeat answering the barrier",
        )

    # ---------------------------------------------------------------- recording
    @property
    def requests(self) -> list[RecordedRequest]:
        return self.recorder.requests

    @property
    def message_log(self) -> list[MessageEvent]:
        return self.recorder.message_log

    @property
    def gateway_events_received(self) -> list[GatewayFrame]:
        return self.recorder.gateway_events_received

    @property
    def gateway_events_sent(self) -> list[GatewayFrame]:
        return self.recorder.gateway_events_sent

    @property
    def internal_errors(self) -> list[str]:
        """Exceptions inside stand-in handlers (answered 503); should stay empty."""
        return self.rest.internal_errors

    def unknown_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.route == "<unknown>"]

    def cursor(self) -> Cursor:
        return self.recorder.cursor()

    def messages(self, channel_id: ChannelRef) -> list[JSON]:
        """Current messages in a channel (edits applied, deleted ones gone), oldest first."""
        return copy.deepcopy(self.store.in_channel(self.world.channel(channel_id).id))

    def message(self, message_id: int | str) -> JSON | None:
        found = self.store.get(int(message_id))
        return copy.deepcopy(found) if found is not None else None

    def allowed_mentions_for(self, message_id: int | str) -> Any:
        """The allowed_mentions the bot sent with this message (None if it sent none)."""
        return self.store.allowed_mentions.get(int(message_id))

    def subscribe(self, listener: Callable[[MessageEvent], None]) -> Callable[[], None]:
        """Call `listener` on every message create/edit/delete (rehearse mode prints them).

        Returns a function that unsubscribes.
        """
        self.recorder.message_listeners.append(listener)
        return lambda: self.recorder.message_listeners.remove(listener)

    def describe(self, message: JSON) -> str:
        """A one-line transcript entry: "#announce CCEI Companion: text [Button | Labels]"."""
        channel = self.world.find_channel(int(message["channel_id"]))
        if channel is None or channel.recipient_id is not None:
            recipient = self.world.find_user(channel.recipient_id or 0) if channel else None
            name = f"DM {recipient.username}" if recipient else str(message["channel_id"])
        else:
            name = channel.name
        return describe_message(message, name)

    def dm_channel_id(self, user: UserRef) -> int | None:
        channel = self.world.dm_channels.get(self.world.user(user).id)
        return channel.id if channel else None

    async def wait_for_message(
        self,
        channel_id: ChannelRef | None = None,
        *,
        predicate: Callable[[JSON], bool] | None = None,
        after: Cursor | None = None,
        timeout: float = 5.0,
    ) -> JSON:
        """The first message posted after `after` (default: now) in the channel (id or seeded
        name; None = any) matching `predicate`.

        A deferred interaction reply counts as posted when its content arrives, not while loading.
        """
        start = (after or self.cursor()).messages
        channel = channel_id
        wanted = self.world.channel(channel).id if channel is not None else None

        def check() -> JSON | None:
            loading: set[int] = set()
            for event in self.message_log[:start]:
                if event.kind == "create" and event.message["flags"] & LOADING:
                    loading.add(event.message_id)
            for event in self.message_log[start:]:
                message, mid = event.message, event.message_id
                if event.kind == "create" and message["flags"] & LOADING:
                    loading.add(mid)
                    continue
                posted = event.kind == "create" or (event.kind == "edit" and mid in loading)
                loading.discard(mid)
                if not posted or (wanted is not None and event.channel_id != wanted):
                    continue
                if predicate is None or predicate(message):
                    return message
            return None

        return await self.recorder.wait_until(
            check, timeout, lambda: f"a message in {channel or 'any channel'}{self._recent()}"
        )

    async def wait_for_edit(
        self,
        message_id: int | str,
        predicate: Callable[[JSON], bool] | None = None,
        *,
        after: Cursor | None = None,
        timeout: float = 5.0,
    ) -> JSON:
        start = (after or self.cursor()).messages

        def matches(event: MessageEvent) -> bool:
            return (
                event.kind == "edit"
                and event.message_id == int(message_id)
                and (predicate is None or predicate(event.message))
            )

        found = await self.recorder.wait_until(
            lambda: first_match(self.message_log, start, matches),
            timeout,
            lambda: f"an edit of message {message_id}",
        )
        return found.message

    async def wait_for_request(
        self,
        method: str,
        route: str,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        *,
        after: Cursor | None = None,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """`route` is a template ("/channels/{channel_id}/messages") or a concrete path."""
        start = (after or self.cursor()).requests

        def matches(request: RecordedRequest) -> bool:
            return (
                request.method == method.upper()
                and route in (request.route, request.path)
                and (predicate is None or predicate(request))
            )

        return await self.recorder.wait_until(
            lambda: first_match(self.requests, start, matches),
            timeout,
            lambda: f"{method} {route}; seen: {[str(r) for r in self.requests[start:]][-5:]}",
        )

    async def wait_for_gateway_event(
        self,
        op: int | None = None,
        *,
        event: str | None = None,
        predicate: Callable[[GatewayFrame], bool] | None = None,
        direction: Literal["received", "sent"] = "received",
        after: Cursor | None = None,
        timeout: float = 5.0,
    ) -> GatewayFrame:
        """A gateway frame from the bot ("received") or to it ("sent")."""
        cursor = after or self.cursor()
        frames = (
            self.gateway_events_received if direction == "received" else self.gateway_events_sent
        )
        start = cursor.gateway_received if direction == "received" else cursor.gateway_sent

        def matches(frame: GatewayFrame) -> bool:
            return (
                (op is None or frame.op == op)
                and (event is None or frame.event == event)
                and (predicate is None or predicate(frame))
            )

        return await self.recorder.wait_until(
            lambda: first_match(frames, start, matches),
            timeout,
            lambda: f"gateway frame op={op} event={event} ({direction})",
        )

    def _recent(self) -> str:
        recent = [
            f"{e.kind} in {e.channel_id}: {e.message.get('content', '')[:60]!r}"
            for e in self.message_log[-5:]
        ]
        return f"; recent message events: {recent}" if recent else "; no message events at all"
