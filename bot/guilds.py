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


async def save_guild_changes(store: Store, guild_id: int, changes: dict[str, Any]) -> None:
    """Store only what a moderator changed, so the config's other defaults still apply."""
    for key, value in changes.items():
        if key not in SETTING_KEYS:
            raise KeyError(f"unknown server setting {key!r}")
        await store.set_setting(key, value, scope=scope_for(guild_id))


def event_guild_ids(config: Config) -> list[int]:
    """The server that runs this event (``[discord] guild_id``); admin commands work only there."""
    return [config.discord.guild_id] if config.discord.guild_id else []
