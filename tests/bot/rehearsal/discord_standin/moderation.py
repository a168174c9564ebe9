"""Moderator-style REST routes: typing, reactions, pins, bulk delete, member edits and kicks.

Permission rules (Discord's): reactions need Add Reactions and Read Message History; pins need
Pin Messages or Manage Messages; bulk delete needs Manage Messages and 2-100 ids; timeouts need
Moderate Members and cannot target the owner or an administrator; kicks need Kick Members; role
edits need Manage Roles and roles below the bot's top role.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.rehearsal.discord_standin import errors
from bot.rehearsal.discord_standin.errors import field_error
from bot.rehearsal.discord_standin.messages import MessageStore
from bot.rehearsal.discord_standin.rest import RestCall, RestServer
from bot.rehearsal.discord_standin.routes import CoreRoutes
from bot.rehearsal.discord_standin.server import DiscordStandIn
from bot.rehearsal.discord_standin.world import ADMINISTRATOR, JSON, StandInGuild, World, iso, perms


def emoji_payload(key: str) -> JSON:
    """A reaction path segment ("👍" or "name:id") as Discord's partial emoji."""
    name, _, emoji_id = key.partition(":")
    return {"id": emoji_id or None, "name": name}


class Moderation:
    def __init__(
        self,
        world: World,
        core: CoreRoutes,
        messages: MessageStore,
        dispatch: Callable[[str, JSON], object],
        clock: Callable[[], datetime],
    ) -> None:
        self._world = world
        self._core = core
        self._messages = messages
        self._dispatch = dispatch
        self._clock = clock
        # message id -> emoji key -> user ids, in reaction order
        self.reactions: dict[int, dict[str, list[int]]] = defaultdict(dict)

    # ------------------------------------------------------------ reactions
    def react(self, message_id: int, emoji: str, user_id: int, *, add: bool) -> None:
        """Add or remove one user's reaction, update the message and dispatch the event."""
        message = self._messages.require(message_id)
        users = self.reactions[message_id].setdefault(emoji, [])
        if add == (user_id in users):
            return
        if add:
            users.append(user_id)
        else:
            users.remove(user_id)
        bot_id = self._world.bot_user.id
        message["reactions"] = [
            {
                "emoji": emoji_payload(key),
                "count": len(ids),
                "count_details": {"burst": 0, "normal": len(ids)},
                "me": bot_id in ids,
                "me_burst": False,
                "burst_colors": [],
            }
            for key, ids in self.reactions[message_id].items()
            if ids
        ]
        channel = self._world.channel(int(message["channel_id"]))
        data: JSON = {
            "user_id": str(user_id),
            "channel_id": message["channel_id"],
            "message_id": message["id"],
            "emoji": emoji_payload(emoji),
            "type": 0,
            "burst": False,
        }
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
            guild = self._world.guild(channel.guild_id)
            if add and user_id in guild.members:
                data["member"] = self._world.member_payload(guild, user_id)
        if add:
            data["message_author_id"] = message["author"]["id"]
        self._dispatch("MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE", data)

    async def add_reaction(self, call: RestCall) -> Any:
        return self._own_reaction(call, add=True)

    async def remove_reaction(self, call: RestCall) -> Any:
        return self._own_reaction(call, add=False)

    def _own_reaction(self, call: RestCall, *, add: bool) -> None:
        channel = self._core.channel(call)
        message = self._messages.require(call.int_param("message_id"), channel.id)
        if add and not self._core.bot_can(channel, "add_reactions", "read_message_history"):
            raise errors.missing_permissions()
        self.react(int(message["id"]), call.params["emoji"], self._world.bot_user.id, add=add)
        return None

    # ------------------------------------------------------- typing, pins
    async def typing(self, call: RestCall) -> Any:
        channel = self._core.channel(call)
        if not self._core.bot_can(channel, "send_messages"):
            raise errors.missing_permissions()
        return None

    async def pin(self, call: RestCall) -> Any:
        return self._set_pinned(call, pinned=True)

    async def unpin(self, call: RestCall) -> Any:
        return self._set_pinned(call, pinned=False)

    def _set_pinned(self, call: RestCall, *, pinned: bool) -> None:
        channel = self._core.channel(call)
        message = self._messages.require(call.int_param("message_id"), channel.id)
        allowed = self._core.bot_can(channel, "pin_messages") or self._core.bot_can(
            channel, "manage_messages"
        )
        if not allowed:
            raise errors.missing_permissions()
        message["pinned"] = pinned
        data: JSON = {"channel_id": str(channel.id), "last_pin_timestamp": iso(self._clock())}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        self._dispatch("CHANNEL_PINS_UPDATE", data)
        return None

    async def bulk_delete(self, call: RestCall) -> Any:
        channel = self._core.channel(call)
        if not self._core.bot_can(channel, "manage_messages"):
            raise errors.missing_permissions()
        ids = [int(i) for i in call.body.get("messages") or []]
        if not 2 <= len(ids) <= 100:
            raise errors.invalid_form_body(
                field_error(
                    "messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length."
                )
            )
        for message_id in ids:
            self._messages.require(message_id, channel.id)
        for message_id in ids:
            self._messages.delete(message_id, dispatch=False)
        data: JSON = {"ids": [str(i) for i in ids], "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        self._dispatch("MESSAGE_DELETE_BULK", data)
        return None

    # ------------------------------------------------------------- members
    def _can_act_on(self, guild: StandInGuild, user_id: int) -> bool:
        """Discord's hierarchy: never the owner, only members below the bot's top role."""
        bot_id = self._world.bot_user.id
        if user_id == guild.owner_id:
            return False
        return self._world.top_role_position(guild, user_id) < self._world.top_role_position(
            guild, bot_id
        )

    async def edit_member(self, call: RestCall) -> Any:
        guild = self._core.guild(call)
        user_id = call.int_param("user_id")
        member = guild.members.get(user_id)
        if member is None:
            raise errors.unknown("Member", errors.UNKNOWN_MEMBER)
        body = call.body
        granted = self._core.guild_permissions(guild)
        checks = {
            "nick": "manage_nicknames",
            "roles": "manage_roles",
            "communication_disabled_until": "moderate_members",
        }
        if self._core.require_permissions:
            for key, permission in checks.items():
                if key in body and not granted & perms(permission):
                    raise errors.missing_permissions()
            if body.keys() & checks.keys() and not self._can_act_on(guild, user_id):
                raise errors.missing_permissions()
        if "communication_disabled_until" in body:
            if self._world.base_permissions(guild, user_id) & ADMINISTRATOR:
                raise errors.missing_permissions()
            until = body["communication_disabled_until"]
            member.communication_disabled_until = datetime.fromisoformat(until) if until else None
        if "nick" in body:
            member.nick = body["nick"] or None
        if "roles" in body:
            member.roles = [int(r) for r in body["roles"] or []]
        self._core.dispatch_member_update(guild, user_id)
        return self._world.member_payload(guild, user_id)

    async def kick(self, call: RestCall) -> Any:
        guild = self._core.guild(call)
        user_id = call.int_param("user_id")
        if user_id not in guild.members:
            raise errors.unknown("Member", errors.UNKNOWN_MEMBER)
        if self._core.require_permissions:
            allowed = self._core.guild_permissions(guild) & perms("kick_members")
            if not allowed or not self._can_act_on(guild, user_id):
                raise errors.missing_permissions()
        del guild.members[user_id]
        user = self._world.user(user_id).payload()
        self._dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": copy.deepcopy(user)}
        )
        return None

    def register(self, rest: RestServer) -> None:
        message = "/channels/{channel_id}/messages/{message_id}"
        add = rest.add
        add("POST", "/channels/{channel_id}/typing", self.typing)
        add("POST", "/channels/{channel_id}/messages/bulk-delete", self.bulk_delete)
        add("PUT", "/channels/{channel_id}/messages/pins/{message_id}", self.pin)
        add("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", self.unpin)
        add("PUT", message + "/reactions/{emoji}/@me", self.add_reaction)
        add("DELETE", message + "/reactions/{emoji}/@me", self.remove_reaction)
        add("PATCH", "/guilds/{guild_id}/members/{user_id}", self.edit_member)
        add("DELETE", "/guilds/{guild_id}/members/{user_id}", self.kick)


def install_moderation(standin: DiscordStandIn) -> Moderation:
    """Add the moderation routes to a stand-in (no feature uses them; the stand-in's own tests do)."""
    moderation = Moderation(
        standin.world,
        standin._core,
        standin.store,
        standin.dispatch,
        standin._clock,
    )
    moderation.register(standin.rest)
    return moderation


def inject_reaction(
    standin: DiscordStandIn,
    moderation: Moderation,
    user: str,
    message: JSON | int | str,
    emoji: str,
    *,
    remove: bool = False,
) -> None:
    """`user` adds (or removes) a reaction: "👍", or "name:id" for a custom emoji."""
    message_id = int(message["id"]) if isinstance(message, dict) else int(message)
    moderation.react(message_id, emoji, standin.world.user(user).id, add=not remove)
