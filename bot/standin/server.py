"""`DiscordStandIn`: the aiohttp server tying world, gateway, REST routes and recording together."""

# The waiting API takes `timeout=` on purpose: tests read better than with asyncio.timeout.
# ruff: noqa: ASYNC109

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import discord
import yarl
from aiohttp import web

from bot.standin.commands import CommandStore
from bot.standin.events import ScheduledEvents
from bot.standin.gateway import Gateway
from bot.standin.interactions import InteractionHandle, InteractionRecord, InteractionRegistry
from bot.standin.messages import LOADING, MessageStore, describe_message
from bot.standin.recording import (
    Cursor,
    GatewayFrame,
    MessageEvent,
    RecordedRequest,
    Recorder,
    first_match,
)
from bot.standin.rest import API_PREFIX, RestServer
from bot.standin.routes import CoreRoutes
from bot.standin.world import (
    JSON,
    Overwrite,
    SnowflakeFactory,
    StandInChannel,
    StandInUser,
    World,
    permission_bit,
)

log = logging.getLogger(__name__)

UserRef = str | int | StandInUser
ChannelRef = str | int


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DiscordStandIn:
    """A local Discord (API v10) for the real discord.py client, over loopback.

    Options: `require_permissions` (answer 403 when the bot lacks a permission),
    `interaction_deadline` (seconds to the first response before the token dies; None = never),
    `check_event_times` (reject scheduled events starting in the past), `heartbeat_interval_ms`,
    `clock` (aware datetimes; stamps snowflakes and timestamps).
    """

    def __init__(
        self,
        *,
        token: str = "standin-token",  # noqa: S107 - a fixed fake token
        require_permissions: bool = True,
        interaction_deadline: float | None = 3.0,
        check_event_times: bool = True,
        heartbeat_interval_ms: int = 41250,
        clock: Callable[[], datetime] = _utcnow,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self._host = host
        self._port = port
        self._clock = clock
        self._runner: web.AppRunner | None = None
        self.world = World.seeded()
        self.recorder = Recorder()
        self._snowflake = SnowflakeFactory(clock)
        self.gateway = Gateway(
            self.world, self.recorder, token, lambda: self.gateway_url, heartbeat_interval_ms
        )
        self.store = MessageStore(
            self.world,
            self.recorder,
            self._snowflake,
            clock,
            self.dispatch,
            lambda: f"{self.base_url}/attachments",
        )
        self.command_store = CommandStore(self.world, self._snowflake)
        self.interactions = InteractionRegistry(
            self.world,
            self.store,
            self.command_store,
            self.recorder,
            self._snowflake,
            interaction_deadline,
        )
        self.rest = RestServer(self.recorder, token)
        self._core = CoreRoutes(
            self.world,
            self.store,
            self.dispatch,
            self._snowflake,
            lambda: self.gateway_url,
            require_permissions=require_permissions,
        )
        self._core.register(self.rest)
        self.command_store.register(self.rest)
        self.interactions.register(self.rest)
        ScheduledEvents(
            self.world,
            self._core,
            self.dispatch,
            self._snowflake,
            clock,
            check_event_times=check_event_times,
        ).register(self.rest)

    # ================================================================ lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        log.info("Discord stand-in listening on %s", self.base_url)

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def rest_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self._host}:{self._port}/gateway"

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py's REST base and gateway at this stand-in; restored on exit."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.rest_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    async def _attachment(self, request: web.Request) -> web.Response:
        upload = self.store.attachment_files.get(int(request.match_info["attachment_id"]))
        if upload is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=upload.data, content_type=upload.content_type or "application/octet-stream"
        )

    # ==================================================================== world
    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def bot_user_id(self) -> int:
        return self.world.bot_user.id

    @property
    def guild_id(self) -> int:
        return next(iter(self.world.guilds))

    @property
    def other_guild_id(self) -> int:
        return list(self.world.guilds)[1]

    @property
    def channels(self) -> dict[str, int]:
        return self.world.channel_names

    @property
    def roles(self) -> dict[str, int]:
        return self.world.role_names

    @property
    def users(self) -> dict[str, StandInUser]:
        return self.world.users

    @property
    def commands(self) -> list[JSON]:
        """Every registered application command (global and guild)."""
        return self.command_store.all()

    @property
    def command_sync_count(self) -> int:
        """How many bulk-overwrite (PUT) command syncs the bot made."""
        return self.command_store.bulk_overwrite_count

    def _channel(self, channel: ChannelRef) -> StandInChannel:
        return self.world.channel(channel)

    def dispatch(self, event: str, data: JSON) -> None:
        """Send a raw dispatch to the bot (kept for RESUME while disconnected)."""
        self.gateway.dispatch(event, data)

    def add_channel(
        self, name: str, guild_id: int | None = None, *, overwrites: list[Overwrite] | None = None
    ) -> int:
        channel = self.world.add_channel(
            guild_id or self.guild_id, name, self._snowflake(), overwrites=overwrites or []
        )
        self.dispatch("CHANNEL_CREATE", self.world.channel_payload(channel))
        return channel.id

    def delete_channel(self, channel_id: ChannelRef) -> None:
        """Remove a guild channel (CHANNEL_DELETE); later requests to it answer 404 10003."""
        target = self._channel(channel_id)
        assert target.guild_id is not None, "only guild channels can be deleted"
        del self.world.guild(target.guild_id).channels[target.id]
        self.world.deleted_channels.add(target.id)
        for name, channel_id in list(self.world.channel_names.items()):
            if channel_id == target.id:
                del self.world.channel_names[name]
        self.dispatch("CHANNEL_DELETE", self.world.channel_payload(target))

    def set_channel_permission_overwrite(
        self,
        channel_id: ChannelRef,
        target_id: int,
        allow: int = 0,
        deny: int = 0,
        *,
        target_type: Literal["role", "member"] | None = None,
    ) -> None:
        """Replace the overwrite for a role or member (type inferred from the id)."""
        target = self._channel(channel_id)
        assert target.guild_id is not None
        guild = self.world.guild(target.guild_id)
        kind = target_type or ("role" if target_id in guild.roles else "member")
        target.overwrites = [ow for ow in target.overwrites if ow.id != target_id]
        target.overwrites.append(Overwrite(target_id, 0 if kind == "role" else 1, allow, deny))
        self.dispatch("CHANNEL_UPDATE", self.world.channel_payload(target))

    def deny_bot_permission(self, channel_id: ChannelRef, perm_name: str | int) -> None:
        """Add a member overwrite denying the bot `perm_name` (e.g. "send_messages")."""
        target = self._channel(channel_id)
        bit = permission_bit(perm_name)
        existing = next(
            (ow for ow in target.overwrites if ow.type == 1 and ow.id == self.bot_user_id), None
        )
        allow = (existing.allow if existing else 0) & ~bit
        deny = (existing.deny if existing else 0) | bit
        self.set_channel_permission_overwrite(
            target.id, self.bot_user_id, allow, deny, target_type="member"
        )

    def set_bot_guild_permissions(self, value: int, guild_id: int | None = None) -> None:
        """Set the bot's managed role permissions (what `guild.me.guild_permissions` shows)."""
        guild = self.world.guild(guild_id or self.guild_id)
        member = guild.members[self.bot_user_id]
        role = next(guild.roles[r] for r in member.roles if guild.roles[r].managed_by_bot)
        role.permissions = value
        self.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.payload()})

    def remove_role(self, role: str | int) -> None:
        """Delete a role from its guild (GUILD_ROLE_DELETE); members lose it."""
        target = self.world.role(role)
        guild = self.world.guild(target.guild_id)
        del guild.roles[target.id]
        for member in guild.members.values():
            if target.id in member.roles:
                member.roles.remove(target.id)
        for name, role_id in list(self.world.role_names.items()):
            if role_id == target.id:
                del self.world.role_names[name]
        self.dispatch("GUILD_ROLE_DELETE", {"guild_id": str(guild.id), "role_id": str(target.id)})

    delete_role = remove_role

    def set_member_roles(
        self, user: UserRef, roles: list[str | int], guild_id: int | None = None
    ) -> None:
        guild = self.world.guild(guild_id or self.guild_id)
        user_id = self.world.user(user).id
        guild.members[user_id].roles = [self.world.role(r, guild.id).id for r in roles]
        self._core.dispatch_member_update(guild, user_id)

    def member_roles(self, user: UserRef, guild_id: int | None = None) -> list[int]:
        guild = self.world.guild(guild_id or self.guild_id)
        return list(guild.members[self.world.user(user).id].roles)

    def close_dms(self, user_id: UserRef) -> None:
        """Sends to this user's DM channel answer 403 code 50007 from now on."""
        self.world.closed_dms.add(self.world.user(user_id).id)

    def open_dms(self, user_id: UserRef) -> None:
        self.world.closed_dms.discard(self.world.user(user_id).id)

    def scheduled_events(self, guild_id: int | None = None) -> list[JSON]:
        return list(self.world.guild(guild_id or self.guild_id).scheduled_events.values())

    # ================================================================== gateway
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

    async def drop_gateway(self, code: int = 4000) -> None:
        await self.gateway.drop(code)

    async def send_reconnect(self) -> None:
        self.gateway.send_reconnect()

    async def invalidate_session(self, resumable: bool = False) -> None:
        self.gateway.invalidate_session(resumable)

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

    # ================================================================ recording
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

    def messages(self, channel: ChannelRef) -> list[JSON]:
        """Current messages in a channel (edits applied, deleted ones gone), oldest first."""
        return copy.deepcopy(self.store.in_channel(self._channel(channel).id))

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
        wanted = self._channel(channel).id if channel is not None else None

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

    # ================================================================== faults
    def fail_next(
        self,
        method: str,
        route: str,
        status: int = 500,
        *,
        retry_after: float | None = None,
        code: int | None = None,
        message: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with an error instead of handling them.

        429 answers carry `Via` and `retry_after` so discord.py treats them as rate limits.
        discord.py retries 500/502/504/524 after sleeping 1, 3, 5... s; other 5xx raise at once.
        """
        self.rest.fail_next(
            method, route, status, retry_after=retry_after, code=code, message=message, times=times
        )

    # =============================================================== injection
    def _handle(self, record: InteractionRecord) -> InteractionHandle:
        self.dispatch("INTERACTION_CREATE", record.payload)
        return InteractionHandle(record, self.store, self.recorder)

    def _command_channel(self, channel: ChannelRef, guild: int | None) -> StandInChannel:
        target = self._channel(channel)
        if guild is None or target.guild_id == guild:
            return target
        # A guild was named but the channel is elsewhere: use that guild's first text channel.
        return next(iter(self.world.guild(guild).channels.values()))

    async def slash(
        self,
        user: UserRef = "member",
        *,
        name: str,
        options: Mapping[str, Any] | None = None,
        subcommand: str | None = None,
        group: str | None = None,
        locale: str | None = None,
        channel: ChannelRef = "general",
        guild: int | None = None,
    ) -> InteractionHandle:
        """`user` runs /name; option types come from the synced command, else from the values.

        User, role and channel options accept seeded names ("member", "moderator", "qna").
        `locale` defaults to the user's own (seeded: owner, moderator, member "ko"; others en-US).
        """
        await self.wait_until_identified()
        record = self.interactions.command(
            self.world.user(user),
            self._command_channel(channel, guild),
            name,
            options or {},
            subcommand=subcommand,
            group=group,
            locale=locale,
        )
        return self._handle(record)

    async def autocomplete(
        self,
        user: UserRef = "member",
        *,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        subcommand: str | None = None,
        group: str | None = None,
        locale: str | None = None,
        channel: ChannelRef = "general",
        guild: int | None = None,
    ) -> InteractionHandle:
        """`user` types into option `focused`; `await handle.response()` gives the choices."""
        await self.wait_until_identified()
        record = self.interactions.command(
            self.world.user(user),
            self._command_channel(channel, guild),
            name,
            options,
            subcommand=subcommand,
            group=group,
            locale=locale,
            focused=focused,
        )
        return self._handle(record)

    async def click(
        self,
        user: UserRef,
        message: JSON | int | str,
        custom_id: str,
        *,
        values: list[str] | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """`user` presses a button (or picks `values` in a select) on a stored message.

        The component type is read from the message; ValueError if it has no such component.
        """
        await self.wait_until_identified()
        message_id = int(message["id"]) if isinstance(message, dict) else int(message)
        current = self.store.require(message_id)
        record = self.interactions.component(
            self.world.user(user), current, custom_id, values, locale
        )
        return self._handle(record)

    async def submit_modal(
        self,
        user: UserRef,
        custom_id: str,
        values: Mapping[str, Any],
        *,
        channel: ChannelRef | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """`user` submits the modal the bot opened with `custom_id`.

        `values` maps input custom_ids to text (or lists for selects). The payload mirrors the
        modal's layout (action rows or labels); ValueError for unknown or empty required inputs.
        """
        await self.wait_until_identified()
        record = self.interactions.modal_submit(
            self.world.user(user),
            custom_id,
            values,
            self._channel(channel) if channel is not None else None,
            locale,
        )
        return self._handle(record)

    async def inject_interaction(
        self,
        kind: int,
        data: JSON,
        *,
        user: UserRef = "member",
        channel: ChannelRef = "general",
        locale: str | None = None,
        message: JSON | None = None,
    ) -> InteractionHandle:
        """Any interaction type with hand-built `data`; the envelope is filled in."""
        await self.wait_until_identified()
        record = self.interactions.envelope(
            kind, self.world.user(user), self._channel(channel), data, locale, message
        )
        return self._handle(record)

    def inject_message(
        self,
        channel: ChannelRef,
        author: UserRef = "member",
        content: str = "",
        **fields: Any,
    ) -> JSON:
        """A user posts a message (stored and dispatched as MESSAGE_CREATE)."""
        target = self._channel(channel)
        if (
            target.guild_id is not None
            and self.world.user(author).id not in self.world.guild(target.guild_id).members
        ):
            raise ValueError(f"{author!r} is not a member of the channel's guild")
        body: JSON = {"content": content, **fields}
        return copy.deepcopy(self.store.create(target, self.world.user(author), body))
