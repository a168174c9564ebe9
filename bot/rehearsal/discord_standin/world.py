"""The stand-in's model of Discord: users, guilds, roles, channels, members and permissions.

Everything here is plain data plus the functions that render it in Discord's JSON shapes. The
default world (`World.seeded`) uses fixed snowflakes so runs are reproducible.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from discord import Permissions

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

PERMISSION_BITS: dict[str, int] = dict(Permissions.VALID_FLAGS)
ALL_PERMISSIONS: int = Permissions.all().value
ADMINISTRATOR: int = PERMISSION_BITS["administrator"]


def perms(*names: str) -> int:
    """The permission integer for the given flag names (discord.py's attribute names)."""
    value = 0
    for name in names:
        value |= PERMISSION_BITS[name]
    return value


def permission_bit(name_or_value: str | int) -> int:
    if isinstance(name_or_value, int):
        return name_or_value
    try:
        return PERMISSION_BITS[name_or_value]
    except KeyError:
        raise ValueError(f"unknown permission name {name_or_value!r}") from None


EVERYONE_PERMISSIONS = perms(
    "view_channel",
    "send_messages",
    "send_messages_in_threads",
    "read_message_history",
    "add_reactions",
    "embed_links",
    "attach_files",
    "use_external_emojis",
    "use_application_commands",
    "create_instant_invite",
    "change_nickname",
    "connect",
    "speak",
)
MODERATOR_PERMISSIONS = perms(
    "manage_messages", "moderate_members", "kick_members", "manage_threads", "mention_everyone"
)
BOT_PERMISSIONS = perms(
    "view_channel",
    "send_messages",
    "send_messages_in_threads",
    "read_message_history",
    "embed_links",
    "attach_files",
    "add_reactions",
    "use_external_emojis",
    "manage_roles",
    "manage_messages",
    "moderate_members",
    "kick_members",
    "manage_events",
    "create_events",
)

# Text (0), DM (1), voice (2), category (4), announcement (5), stage (13), forum (15).
TEXT_CHANNEL = 0
DM_CHANNEL = 1
VOICE_CHANNEL = 2


def snowflake_at(when: datetime, increment: int = 0) -> int:
    """A snowflake whose timestamp part is `when` (aware) and whose low bits are `increment`."""
    ms = int(when.timestamp() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (increment & 0x3FFFFF)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


class SnowflakeFactory:
    """Monotonically increasing snowflakes stamped with the stand-in's clock."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._last = 0
        self._counter = itertools.count(1)

    def __call__(self) -> int:
        candidate = snowflake_at(self._clock(), next(self._counter))
        self._last = max(candidate, self._last + 1)
        return self._last


@dataclass
class StandInUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    locale: str = "en-US"

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class StandInRole:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int
    mentionable: bool = False
    hoist: bool = False
    managed_by_bot: int | None = None
    color: int = 0

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": "@everyone" if self.id == self.guild_id else self.name,
            "description": None,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "managed": self.managed_by_bot is not None,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.managed_by_bot is not None:
            data["tags"] = {"bot_id": str(self.managed_by_bot)}
        return data


@dataclass
class Overwrite:
    id: int
    type: int  # 0 = role, 1 = member
    allow: int = 0
    deny: int = 0

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass
class StandInChannel:
    id: int
    name: str
    type: int = TEXT_CHANNEL
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient_id: int | None = None  # DM channels only
    last_message_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass
class StandInMember:
    user_id: int
    roles: list[int]
    joined_at: datetime
    nick: str | None = None
    communication_disabled_until: datetime | None = None


@dataclass
class StandInGuild:
    id: int
    name: str
    owner_id: int
    preferred_locale: str = "ko"
    roles: dict[int, StandInRole] = field(default_factory=dict)
    channels: dict[int, StandInChannel] = field(default_factory=dict)
    members: dict[int, StandInMember] = field(default_factory=dict)
    scheduled_events: dict[int, JSON] = field(default_factory=dict)


_SEED_TIME = datetime(2022, 12, 1, tzinfo=UTC)


def _seed_id(n: int) -> int:
    return snowflake_at(_SEED_TIME, n)


class World:
    """All state the stand-in serves. Lookups accept either a seeded name or a snowflake."""

    def __init__(self, application_id: int, bot_user: StandInUser) -> None:
        self.application_id = application_id
        self.bot_user = bot_user
        self.users: dict[str, StandInUser] = {"bot": bot_user}
        self.guilds: dict[int, StandInGuild] = {}
        self.channel_names: dict[str, int] = {}
        self.role_names: dict[str, int] = {}
        self.dm_channels: dict[int, StandInChannel] = {}  # by recipient user id
        self.closed_dms: set[int] = set()
        self.deleted_channels: set[int] = set()

    # ----------------------------------------------------------------- seeding
    @classmethod
    def seeded(cls) -> World:
        """The default world: a main event guild and an unrelated second guild."""
        bot = StandInUser(_seed_id(1), "ccei-companion", "CCEI Companion", bot=True)
        world = cls(application_id=bot.id, bot_user=bot)
        owner = world.add_user("owner", StandInUser(_seed_id(2), "owner", "Organiser", locale="ko"))
        mod = world.add_user("moderator", StandInUser(_seed_id(3), "moderator", "Mod", locale="ko"))
        member = world.add_user("member", StandInUser(_seed_id(4), "member", "Member", locale="ko"))
        member2 = world.add_user("member2", StandInUser(_seed_id(5), "member2", "Member Two"))
        outsider = world.add_user("outsider", StandInUser(_seed_id(6), "outsider", "Outsider"))

        guild = world.add_guild(_seed_id(100), "CCEI Open Innovation", owner_id=owner.id)
        moderator_role = world.add_role(
            guild.id, "moderator", _seed_id(102), MODERATOR_PERMISSIONS, 2
        )
        reminder_role = world.add_role(guild.id, "reminder", _seed_id(103), 0, 1, mentionable=True)
        bot_role = world.add_role(guild.id, "bot", _seed_id(104), BOT_PERMISSIONS, 3)
        bot_role.managed_by_bot = bot.id
        view_send = perms("view_channel", "send_messages")
        world.add_channel(guild.id, "announce", _seed_id(110), position=0, overwrites=[
            Overwrite(guild.id, 0, deny=perms("send_messages")),
            Overwrite(moderator_role.id, 0, allow=view_send),
            Overwrite(bot_role.id, 0, allow=view_send),
        ])  # fmt: skip
        world.add_channel(guild.id, "qna", _seed_id(111), position=1)
        world.add_channel(guild.id, "general", _seed_id(112), position=2)
        world.add_channel(guild.id, "audit", _seed_id(113), position=3, overwrites=[
            Overwrite(guild.id, 0, deny=perms("view_channel")),
            Overwrite(moderator_role.id, 0, allow=view_send),
            Overwrite(bot_role.id, 0, allow=view_send),
        ])  # fmt: skip
        world.add_member(guild.id, bot.id, [bot_role.id])
        world.add_member(guild.id, owner.id, [])
        world.add_member(guild.id, mod.id, [moderator_role.id])
        world.add_member(guild.id, member.id, [])
        world.add_member(guild.id, member2.id, [reminder_role.id])

        other = world.add_guild(_seed_id(200), "Unrelated Guild", owner_id=outsider.id)
        other_bot_role = world.add_role(other.id, "other-bot", _seed_id(204), BOT_PERMISSIONS, 1)
        other_bot_role.managed_by_bot = bot.id
        world.add_channel(other.id, "other-general", _seed_id(210))
        world.add_member(other.id, bot.id, [other_bot_role.id])
        world.add_member(other.id, outsider.id, [])
        return world

    def add_user(self, key: str, user: StandInUser) -> StandInUser:
        self.users[key] = user
        return user

    def add_guild(self, guild_id: int, name: str, *, owner_id: int) -> StandInGuild:
        guild = StandInGuild(guild_id, name, owner_id)
        guild.roles[guild_id] = StandInRole(guild_id, guild_id, "everyone", EVERYONE_PERMISSIONS, 0)
        self.guilds[guild_id] = guild
        if len(self.guilds) == 1:
            self.role_names["everyone"] = guild_id
        return guild

    def add_role(
        self,
        guild_id: int,
        name: str,
        role_id: int,
        permissions: int,
        position: int,
        *,
        mentionable: bool = False,
    ) -> StandInRole:
        role = StandInRole(role_id, guild_id, name, permissions, position, mentionable=mentionable)
        self.guilds[guild_id].roles[role_id] = role
        self.role_names.setdefault(name, role_id)
        return role

    def add_channel(
        self,
        guild_id: int,
        name: str,
        channel_id: int,
        *,
        type: int = TEXT_CHANNEL,
        position: int | None = None,
        overwrites: Iterable[Overwrite] = (),
    ) -> StandInChannel:
        guild = self.guilds[guild_id]
        pos = len(guild.channels) if position is None else position
        channel = StandInChannel(channel_id, name, type, guild_id, pos, overwrites=list(overwrites))
        guild.channels[channel_id] = channel
        self.channel_names.setdefault(name, channel_id)
        return channel

    def add_member(self, guild_id: int, user_id: int, roles: list[int]) -> StandInMember:
        member = StandInMember(user_id, list(roles), _SEED_TIME)
        self.guilds[guild_id].members[user_id] = member
        return member

    # ----------------------------------------------------------------- lookups
    def user(self, key: str | int | StandInUser) -> StandInUser:
        if isinstance(key, StandInUser):
            return key
        if isinstance(key, str) and key in self.users:
            return self.users[key]
        for user in self.users.values():
            if user.id == key or str(user.id) == key:
                return user
        raise KeyError(f"unknown user {key!r}")

    def find_user(self, user_id: int) -> StandInUser | None:
        try:
            return self.user(user_id)
        except KeyError:
            return None

    def channel(self, key: str | int) -> StandInChannel:
        channel = self.find_channel(key)
        if channel is None:
            raise KeyError(f"unknown channel {key!r}")
        return channel

    def find_channel(self, key: str | int) -> StandInChannel | None:
        if isinstance(key, str) and not key.isdigit():
            if key not in self.channel_names:
                return None
            key = self.channel_names[key]
        channel_id = int(key)
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        for channel in self.dm_channels.values():
            if channel.id == channel_id:
                return channel
        return None

    def role(self, key: str | int, guild_id: int | None = None) -> StandInRole:
        role_id = self.role_names[key] if isinstance(key, str) and not key.isdigit() else int(key)
        guilds = [self.guilds[guild_id]] if guild_id is not None else self.guilds.values()
        for guild in guilds:
            if role_id in guild.roles:
                return guild.roles[role_id]
        raise KeyError(f"unknown role {key!r}")

    def guild(self, guild_id: int) -> StandInGuild:
        return self.guilds[guild_id]

    def guilds_of(self, user_id: int) -> list[StandInGuild]:
        return [g for g in self.guilds.values() if user_id in g.members]

    def dm_channel(self, user_id: int, channel_id_factory: Callable[[], int]) -> StandInChannel:
        channel = self.dm_channels.get(user_id)
        if channel is None:
            channel = StandInChannel(channel_id_factory(), "", DM_CHANNEL, recipient_id=user_id)
            self.dm_channels[user_id] = channel
        return channel

    # ------------------------------------------------------------ permissions
    def base_permissions(self, guild: StandInGuild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        value = guild.roles[guild.id].permissions
        if member is not None:
            for role_id in member.roles:
                role = guild.roles.get(role_id)
                if role is not None:
                    value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def channel_permissions(self, channel: StandInChannel, user_id: int) -> int:
        """Discord's permission algorithm: base, then @everyone, role and member overwrites."""
        if channel.guild_id is None:
            return perms(
                "view_channel", "send_messages", "read_message_history", "embed_links",
                "attach_files", "add_reactions", "use_external_emojis",
            )  # fmt: skip
        guild = self.guilds[channel.guild_id]
        value = self.base_permissions(guild, user_id)
        if value & ADMINISTRATOR:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        member_roles = set(member.roles) if member else set()
        by_id = {ow.id: ow for ow in channel.overwrites}
        everyone = by_id.get(guild.id)
        if everyone is not None:
            value = (value & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for ow in channel.overwrites:
            if ow.type == 0 and ow.id in member_roles:
                allow |= ow.allow
                deny |= ow.deny
        value = (value & ~deny) | allow
        own = next((ow for ow in channel.overwrites if ow.type == 1 and ow.id == user_id), None)
        if own is not None:
            value = (value & ~own.deny) | own.allow
        if not value & PERMISSION_BITS["view_channel"]:
            return 0
        return value

    def top_role_position(self, guild: StandInGuild, user_id: int) -> int:
        member = guild.members.get(user_id)
        if member is None:
            return -1
        positions = [guild.roles[r].position for r in member.roles if r in guild.roles]
        return max(positions, default=0)

    # --------------------------------------------------------------- payloads
    def member_payload(self, guild: StandInGuild, user_id: int, *, with_user: bool = True) -> JSON:
        member = guild.members[user_id]
        data: JSON = {
            "roles": [str(r) for r in member.roles],
            "joined_at": iso(member.joined_at),
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": (
                iso(member.communication_disabled_until)
                if member.communication_disabled_until
                else None
            ),
        }
        if with_user:
            data["user"] = self.user(user_id).payload()
        return data

    def channel_payload(self, channel: StandInChannel) -> JSON:
        last = str(channel.last_message_id) if channel.last_message_id else None
        if channel.type == DM_CHANNEL:
            assert channel.recipient_id is not None
            recipient = self.user(channel.recipient_id).payload()
            return {"id": str(channel.id), "type": DM_CHANNEL, "last_message_id": last,
                    "recipients": [recipient], "flags": 0}  # fmt: skip
        return {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [ow.payload() for ow in channel.overwrites],
            "topic": channel.topic,
            "nsfw": False,
            "parent_id": None,
            "last_message_id": last,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def guild_payload(self, guild: StandInGuild) -> JSON:
        """The REST guild object (GET /guilds/{id})."""
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "icon_hash": None,
            "home_header": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "region": "",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw": False,
            "nsfw_level": 0,
            "incidents_data": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": guild.preferred_locale,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_presences": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "application_id": None,
            "features": [],
            "roles": [role.payload() for role in guild.roles.values()],
            "emojis": [],
            "stickers": [],
        }

    def guild_create_payload(self, guild: StandInGuild) -> JSON:
        """The GUILD_CREATE dispatch: the REST object plus the gateway-only fields."""
        data = self.guild_payload(guild)
        data.update(
            {
                "unavailable": False,
                "large": False,
                "lazy": True,
                "joined_at": iso(guild.members[self.bot_user.id].joined_at),
                "member_count": len(guild.members),
                "members": [self.member_payload(guild, uid) for uid in guild.members],
                "channels": [self.channel_payload(c) for c in guild.channels.values()],
                "threads": [],
                "presences": [],
                "voice_states": [],
                "stage_instances": [],
                "guild_scheduled_events": list(guild.scheduled_events.values()),
                "soundboard_sounds": [],
            }
        )
        return data
