"""Per-server settings: the config's ``[discord]`` defaults, overridden by what ``/admin setup`` stored."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from bot.config import Config, Locale
from bot.store import Store

SETTING_KEYS = (
    "announce_channel_id",
    "qna_channel_id",
    "audit_channel_id",
    "reminder_role_id",
    "moderator_role_id",
    "locale",
)


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    announce_channel_id: int = 0
    qna_channel_id: int = 0
    audit_channel_id: int = 0
    reminder_role_id: int = 0
    moderator_role_id: int = 0
    locale: Locale = "ko"

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "guild_id"}


def scope_for(guild_id: int) -> str:
    return f"guild:{guild_id}"


def config_defaults(config: Config, guild_id: int) -> GuildSettings:
    section = config.discord
    # The config's ids belong to its own server; another server starts empty but for the language.
    if section.guild_id not in (0, guild_id):
        return GuildSettings(guild_id=guild_id, locale=section.locale)
    return GuildSettings(
        guild_id=guild_id,
        announce_channel_id=section.announce_channel_id,
        qna_channel_id=section.qna_channel_id,
        audit_channel_id=section.audit_channel_id,
        reminder_role_id=section.reminder_role_id,
        moderator_role_id=section.moderator_role_id,
        locale=section.locale,
    )


async def guild_settings(store: Store, config: Config, guild_id: int) -> GuildSettings:
    stored = await store.settings_in(scope_for(guild_id))
    overrides = {k: v for k, v in stored.items() if k in SETTING_KEYS}
    return replace(config_defaults(config, guild_id), **overrides)


async def save_guild_settings(store: Store, settings: GuildSettings) -> None:
    for key, value in settings.as_dict().items():
        await store.set_setting(key, value, scope=scope_for(settings.guild_id))


async def event_guild_ids(store: Store, config: Config) -> list[int]:
    """Servers that follow this event: the configured one plus every server set up at run time."""
    ids = {config.discord.guild_id} if config.discord.guild_id else set()
    async with store.db.execute(
        "SELECT DISTINCT scope FROM settings WHERE scope LIKE 'guild:%'"
    ) as cursor:
        async for row in cursor:
            ids.add(int(str(row[0]).removeprefix("guild:")))
    return sorted(ids)
