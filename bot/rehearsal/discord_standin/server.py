"""`DiscordStandIn`: the aiohttp server tying world, gateway, REST routes and recording together.

Reading and waiting live in `observe.py`, user actions in `inject.py` (both mixed in here).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Literal

import discord
import yarl
from aiohttp import web

from bot.rehearsal.discord_standin.commands import CommandStore
from bot.rehearsal.discord_standin.events import ScheduledEvents
from bot.rehearsal.discord_standin.gateway import Gateway
from bot.rehearsal.discord_standin.inject import Injection
from bot.rehearsal.discord_standin.interactions import InteractionRegistry
from bot.rehearsal.discord_standin.messages import NONCE_WINDOW, MessageStore
from bot.rehearsal.discord_standin.observe import Observation
from bot.rehearsal.discord_standin.recording import Recorder
from bot.rehearsal.discord_standin.rest import API_PREFIX, LostReply, RestServer
from bot.rehearsal.discord_standin.routes import CoreRoutes
from bot.rehearsal.discord_standin.world import (
    JSON,
    Overwrite,
    SnowflakeFactory,
    StandInUser,
    World,
    permission_bit,
)

log = logging.getLogger(__name__)

UserRef = str | int | StandInUser
ChannelRef = str | int


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DiscordStandIn(Observation, Injection):
    """A local Discord (API v10) for the real discord.py client, over loopback.

    Options: `require_permissions` (answer 403 when the bot lacks a permission),
    `interaction_deadline` (seconds to the first response before the token dies; None = never),
    `check_event_times` (reject scheduled events starting in the past), `heartbeat_interval_ms`,
    `clock` (aware datetimes; stamps snowflakes and timestamps, and times `nonce_window`: how long a
    message nonce sent with `enforce_nonce` returns the first message instead of a new one).
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
        nonce_window: timedelta = NONCE_WINDOW,
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
        self.store.nonce_window = nonce_window
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
        self.rest.release_hung()
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
        target = self.world.channel(channel_id)
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
        target = self.world.channel(channel_id)
        assert target.guild_id is not None
        guild = self.world.guild(target.guild_id)
        kind = target_type or ("role" if target_id in guild.roles else "member")
        target.overwrites = [ow for ow in target.overwrites if ow.id != target_id]
        target.overwrites.append(Overwrite(target_id, 0 if kind == "role" else 1, allow, deny))
        self.dispatch("CHANNEL_UPDATE", self.world.channel_payload(target))

    def deny_bot_permission(self, channel_id: ChannelRef, perm_name: str | int) -> None:
        """Add a member overwrite denying the bot `perm_name` (e.g. "send_messages")."""
        target = self.world.channel(channel_id)
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

    # ================================================================== faults
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
        """Answer the next `times` matching requests with an error instead of handling them.

        429 answers carry `Via` and `retry_after` so discord.py treats them as rate limits.
        discord.py retries 500/502/504/524 after sleeping 1, 3, 5... s; other 5xx raise at once.
        `status` may also be "drop" (the connection is closed without an answer) or "hang" (no
        answer until the stand-in stops: the client times out).

        `processed=True` handles the request first (a message is created and dispatched) and then
        answers the fault: the ambiguous failure a client must not repeat blindly. A request the
        handler refuses (403, 404, 400) gets that refusal, as the fault could not hide it.
        """
        self.rest.fail_next(
            method,
            route,
            status,
            retry_after=retry_after,
            code=code,
            message=message,
            times=times,
            processed=processed,
        )

    @property
    def nonce_window(self) -> timedelta:
        return self.store.nonce_window

    @nonce_window.setter
    def nonce_window(self, window: timedelta) -> None:
        self.store.nonce_window = window

    @property
    def nonce_replays(self) -> int:
        """How many message creates were answered with an earlier message (same nonce)."""
        return self.store.nonce_replays

    async def drop_gateway(self, code: int = 4000) -> None:
        await self.gateway.drop(code)

    async def send_reconnect(self) -> None:
        self.gateway.send_reconnect()

    async def invalidate_session(self, resumable: bool = False) -> None:
        self.gateway.invalidate_session(resumable)
