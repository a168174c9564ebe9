"""The one moderator check, enforced inside the bot for every admin command.

Discord's default member permissions only hide commands in the client; a server can change them, so the
bot decides for itself: Manage Server (or Administrator), or the server's configured moderator role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.errors import NotModerator, WrongGuild
from bot.guilds import guild_settings

if TYPE_CHECKING:
    from bot.core import CompanionBot


def has_moderator_rights(
    permissions: discord.Permissions, role_ids: set[int], moderator_role_id: int
) -> bool:
    if permissions.administrator or permissions.manage_guild:
        return True
    return moderator_role_id > 0 and moderator_role_id in role_ids


async def ensure_moderator(interaction: discord.Interaction[CompanionBot]) -> bool:
    """Raise a localisable refusal unless the user may run admin commands here."""
    guild_id = interaction.guild_id
    if guild_id is None or not isinstance(interaction.user, discord.Member):
        raise app_commands.NoPrivateMessage()
    services = interaction.client.services
    # The event's state (program, FAQ, reminders) is shared: only its own server may change it.
    if guild_id != services.config.discord.guild_id:
        raise WrongGuild()
    settings = await guild_settings(services.store, services.config, guild_id)
    role_ids = {role.id for role in interaction.user.roles}
    if not has_moderator_rights(interaction.permissions, role_ids, settings.moderator_role_id):
        raise NotModerator()
    return True


class ModeratorGroup(app_commands.Group):
    """An admin command group: server-only and, by default, shown to Manage Server.

    Those defaults only shape Discord's client. The bot's own check is the command tree's
    ``interaction_check`` (bot/tree.py), which runs :func:`ensure_moderator` for every command
    under ``/admin`` at any depth: discord.py would call a group's own check only for its direct
    children.
    """

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("parent") is None:
            kwargs.setdefault("guild_only", True)
            kwargs.setdefault("default_permissions", discord.Permissions(manage_guild=True))
        super().__init__(**kwargs)
