"""REST handlers for users, the application, channels, messages, DMs, guilds, members and roles.

Permission checks follow Discord: a send needs View Channel and Send Messages in the channel (plus
Attach Files for uploads); role changes need Manage Roles and a role below the bot's top role.
Scheduled events live in `events.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.rehearsal.discord_standin import errors
from bot.rehearsal.discord_standin.errors import DiscordError
from bot.rehearsal.discord_standin.messages import MessageStore
from bot.rehearsal.discord_standin.rest import RestCall, RestServer
from bot.rehearsal.discord_standin.world import (
    DM_CHANNEL,
    JSON,
    StandInChannel,
    StandInGuild,
    World,
    perms,
)

Dispatch = Callable[[str, JSON], object]


def _as_fetched(message: JSON) -> JSON:
    """A message as history returns it: Discord only echoes a nonce on create (REST answer and
    MESSAGE_CREATE), so finding a message later needs something in its content."""
    return {key: value for key, value in message.items() if key != "nonce"}


class CoreRoutes:
    def __init__(
        self,
        world: World,
        messages: MessageStore,
        dispatch: Dispatch,
        snowflake: Callable[[], int],
        gateway_url: Callable[[], str],
        *,
        require_permissions: bool,
    ) -> None:
        self._world = world
        self._messages = messages
        self._dispatch = dispatch
        self._snowflake = snowflake
        self._gateway_url = gateway_url
        self.require_permissions = require_permissions

    # --------------------------------------------------------------- checks
    def bot_can(self, channel: StandInChannel, *names: str) -> bool:
        if not self.require_permissions:
            return True
        needed = perms(*names)
        return self._world.channel_permissions(channel, self._world.bot_user.id) & needed == needed

    def channel(self, call: RestCall) -> StandInChannel:
        channel_id = call.int_param("channel_id")
        channel = self._world.find_channel(channel_id)
        if channel is None or channel_id in self._world.deleted_channels:
            raise errors.unknown("Channel", errors.UNKNOWN_CHANNEL)
        if channel.guild_id is not None and not self.bot_can(channel, "view_channel"):
            raise errors.missing_access()
        return channel

    def guild(self, call: RestCall) -> StandInGuild:
        guild = self._world.guilds.get(call.int_param("guild_id"))
        if guild is None:
            raise errors.unknown("Guild", errors.UNKNOWN_GUILD)
        if self._world.bot_user.id not in guild.members:
            raise errors.missing_access()
        return guild

    def guild_permissions(self, guild: StandInGuild) -> int:
        return self._world.base_permissions(guild, self._world.bot_user.id)

    # ------------------------------------------------------- users and app
    async def get_me(self, call: RestCall) -> Any:
        user = self._world.bot_user.payload()
        return user | {"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None}

    async def get_user(self, call: RestCall) -> Any:
        user = self._world.find_user(call.int_param("user_id"))
        if user is None:
            raise errors.unknown("User", errors.UNKNOWN_USER)
        return user.payload()

    async def get_application(self, call: RestCall) -> Any:
        world = self._world
        return {
            "id": str(world.application_id),
            "name": world.bot_user.global_name or world.bot_user.username,
            "icon": None,
            "description": "Local Discord stand-in application",
            "summary": "",
            "type": None,
            "flags_new": "0",
            "role_connections_verification_url": None,
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": [],
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": world.user("owner").payload(),
            "team": None,
            "bot": world.bot_user.payload(),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
            "approximate_guild_count": len(world.guilds_of(world.bot_user.id)),
            "integration_types_config": {"0": {}},
        }

    async def get_gateway(self, call: RestCall) -> Any:
        return {"url": self._gateway_url()}

    async def get_gateway_bot(self, call: RestCall) -> Any:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return {"url": self._gateway_url(), "shards": 1, "session_start_limit": limit}

    # --------------------------------------------------- channels, messages
    async def get_channel(self, call: RestCall) -> Any:
        return self._world.channel_payload(self.channel(call))

    async def create_message(self, call: RestCall) -> Any:
        channel = self.channel(call)
        if channel.type == DM_CHANNEL:
            assert channel.recipient_id is not None
            recipient = channel.recipient_id
            no_mutual_guild = not any(
                self._world.bot_user.id in g.members for g in self._world.guilds_of(recipient)
            )
            if recipient in self._world.closed_dms or no_mutual_guild:
                raise errors.cannot_dm()
        else:
            if not self.bot_can(channel, "view_channel", "send_messages"):
                raise errors.missing_permissions()
            if call.files and not self.bot_can(channel, "attach_files"):
                raise errors.missing_permissions()
        return self._messages.create(channel, self._world.bot_user, call.body, call.files)

    async def list_messages(self, call: RestCall) -> Any:
        channel = self.channel(call)
        if not self.bot_can(channel, "read_message_history"):
            return []
        limit = max(1, min(100, int(call.query.get("limit", "50"))))
        newest_first = sorted(self._messages.in_channel(channel.id), key=lambda m: -int(m["id"]))
        if "before" in call.query:
            newest_first = [m for m in newest_first if int(m["id"]) < int(call.query["before"])]
        if "after" in call.query:
            after = [m for m in newest_first if int(m["id"]) > int(call.query["after"])]
            return [_as_fetched(m) for m in after[-limit:]]
        if "around" in call.query:
            around = int(call.query["around"])
            newest_first.sort(key=lambda m: abs(int(m["id"]) - around))
            return [
                _as_fetched(m) for m in sorted(newest_first[:limit], key=lambda m: -int(m["id"]))
            ]
        return [_as_fetched(m) for m in newest_first[:limit]]

    async def get_message(self, call: RestCall) -> Any:
        channel = self.channel(call)
        return _as_fetched(self._messages.require(call.int_param("message_id"), channel.id))

    async def edit_message(self, call: RestCall) -> Any:
        channel = self.channel(call)
        message = self._messages.require(call.int_param("message_id"), channel.id)
        if int(message["author"]["id"]) != self._world.bot_user.id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        return self._messages.edit(int(message["id"]), call.body, call.files)

    async def delete_message(self, call: RestCall) -> Any:
        channel = self.channel(call)
        message = self._messages.require(call.int_param("message_id"), channel.id)
        own = int(message["author"]["id"]) == self._world.bot_user.id
        if (
            not own
            and channel.guild_id is not None
            and not self.bot_can(channel, "manage_messages")
        ):
            raise errors.missing_permissions()
        self._messages.delete(int(message["id"]))
        return None

    async def create_dm(self, call: RestCall) -> Any:
        recipient = self._world.find_user(int(call.body.get("recipient_id") or 0))
        if recipient is None:
            raise errors.unknown("User", errors.UNKNOWN_USER)
        channel = self._world.dm_channel(recipient.id, self._snowflake)
        return self._world.channel_payload(channel)

    # ------------------------------------------------------- guilds, roles
    async def get_guild(self, call: RestCall) -> Any:
        guild = self.guild(call)
        data = self._world.guild_payload(guild)
        if call.flag("with_counts"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return data

    async def get_guild_channels(self, call: RestCall) -> Any:
        guild = self.guild(call)
        return [self._world.channel_payload(c) for c in guild.channels.values()]

    async def get_roles(self, call: RestCall) -> Any:
        return [role.payload() for role in self.guild(call).roles.values()]

    async def role_member_counts(self, call: RestCall) -> Any:
        """Role id → members holding it, without @everyone (Discord's role member counts)."""
        guild = self.guild(call)
        return {
            str(role_id): sum(role_id in member.roles for member in guild.members.values())
            for role_id in guild.roles
            if role_id != guild.id
        }

    async def get_member(self, call: RestCall) -> Any:
        guild = self.guild(call)
        user_id = call.int_param("user_id")
        if user_id not in guild.members:
            raise errors.unknown("Member", errors.UNKNOWN_MEMBER)
        return self._world.member_payload(guild, user_id)

    async def list_members(self, call: RestCall) -> Any:
        guild = self.guild(call)
        after = int(call.query.get("after", "0"))
        limit = max(1, min(1000, int(call.query.get("limit", "1"))))
        ids = sorted(uid for uid in guild.members if uid > after)[:limit]
        return [self._world.member_payload(guild, uid) for uid in ids]

    async def add_member_role(self, call: RestCall) -> Any:
        return self._change_member_role(call, add=True)

    async def remove_member_role(self, call: RestCall) -> Any:
        return self._change_member_role(call, add=False)

    def _change_member_role(self, call: RestCall, *, add: bool) -> None:
        guild = self.guild(call)
        member = guild.members.get(call.int_param("user_id"))
        if member is None:
            raise errors.unknown("Member", errors.UNKNOWN_MEMBER)
        role = guild.roles.get(call.int_param("role_id"))
        if role is None or role.id == guild.id:
            raise errors.unknown("Role", errors.UNKNOWN_ROLE)
        if self.require_permissions:
            bot_id = self._world.bot_user.id
            can_manage = self.guild_permissions(guild) & perms("manage_roles")
            below = role.position < self._world.top_role_position(guild, bot_id)
            if not can_manage or not below or role.managed_by_bot is not None:
                raise errors.missing_permissions()
        if add == (role.id in member.roles):
            return None
        if add:
            member.roles.append(role.id)
        else:
            member.roles.remove(role.id)
        self.dispatch_member_update(guild, member.user_id)
        return None

    def dispatch_member_update(self, guild: StandInGuild, user_id: int) -> None:
        data = self._world.member_payload(guild, user_id)
        data["guild_id"] = str(guild.id)
        self._dispatch("GUILD_MEMBER_UPDATE", data)

    def register(self, rest: RestServer) -> None:
        add = rest.add
        add("GET", "/users/@me", self.get_me)
        add("POST", "/users/@me/channels", self.create_dm)
        add("GET", "/users/{user_id}", self.get_user)
        add("GET", "/oauth2/applications/@me", self.get_application)
        add("GET", "/gateway", self.get_gateway, auth=False)
        add("GET", "/gateway/bot", self.get_gateway_bot)
        add("GET", "/channels/{channel_id}", self.get_channel)
        add("GET", "/channels/{channel_id}/messages", self.list_messages)
        add("POST", "/channels/{channel_id}/messages", self.create_message)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        add("GET", "/guilds/{guild_id}", self.get_guild)
        add("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        add("GET", "/guilds/{guild_id}/roles", self.get_roles)
        add("GET", "/guilds/{guild_id}/roles/member-counts", self.role_member_counts)
        add("GET", "/guilds/{guild_id}/members", self.list_members)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        add("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.add_member_role)
        add(
            "DELETE",
            "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
            self.remove_member_role,
        )
