"""The command tree: the one moderator gate for ``/admin`` and the handler that answers errors.

Errors become one ephemeral reply in the user's language (bot/errors.py has the types); unexpected ones
get a short error id, and the log gets the traceback under the same id.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.checks import ensure_moderator
from bot.errors import ComponentFailed, NotModerator, UserError, WrongGuild
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from bot.ops.logs import bind

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

#: Where the tree notes when it received an interaction (``Interaction.extras``).
_RECEIVED = "ccei.received"


def interaction_seconds(interaction: discord.Interaction[Any]) -> float:
    """Real seconds since the tree received ``interaction`` (0 if it never did)."""
    received = interaction.extras.get(_RECEIVED)
    return 0.0 if received is None else time.perf_counter() - float(received)


def _user_message(bot: CompanionBot, error: Exception, locale: str) -> tuple[str, str | None]:
    """The text for the user and, for unexpected errors, the error id that was logged."""
    t = bot.services.catalog.t
    if isinstance(error, app_commands.CommandInvokeError) and isinstance(error.original, UserError):
        error = error.original
    if isinstance(error, UserError):
        return t(error.key, locale, **error.values), None
    if isinstance(error, NotModerator):
        return t("errors.not_moderator", locale), None
    if isinstance(error, WrongGuild):
        return t("errors.wrong_guild", locale), None
    if isinstance(error, app_commands.NoPrivateMessage):
        return t("errors.guild_only", locale), None
    if isinstance(error, app_commands.CommandOnCooldown):
        return t("errors.cooldown", locale, seconds=max(1, round(error.retry_after))), None
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(error.missing_permissions)
        return t("errors.bot_missing_permissions", locale, permissions=missing), None
    if isinstance(error, app_commands.TransformerError | app_commands.CommandSignatureMismatch):
        return t("errors.bad_input", locale), None
    error_id = secrets.token_hex(4)
    return t("errors.unexpected", locale, error_id=error_id), error_id


async def report_component_error(
    interaction: discord.Interaction[CompanionBot], error: Exception
) -> None:
    """Answer a failed button press or form exactly as the tree answers a failed command."""
    if not isinstance(error, app_commands.AppCommandError):
        error = ComponentFailed(error)
    await interaction.client.tree.on_error(interaction, error)


def root_command_name(interaction: discord.Interaction[Any]) -> str | None:
    command: Any = interaction.command
    while command is not None and command.parent is not None:
        command = command.parent
    return None if command is None else str(command.name)


class CompanionTree(app_commands.CommandTree["CompanionBot"]):
    async def interaction_check(self, interaction: discord.Interaction[CompanionBot], /) -> bool:
        interaction.extras[_RECEIVED] = time.perf_counter()
        command = interaction.command
        # Every log line of this interaction's task names the server, command and user.
        bind(
            guild=interaction.guild_id,
            command=command.qualified_name if command is not None else None,
            user_id=interaction.user.id,
        )
        # One enforcement point for the whole admin tree, whatever the depth of the subcommand and
        # whatever permissions the server set in its Integrations settings.
        if root_command_name(interaction) == "admin":
            return await ensure_moderator(interaction)
        return True

    async def on_error(
        self, interaction: discord.Interaction[CompanionBot], error: app_commands.AppCommandError
    ) -> None:
        if interaction.type is discord.InteractionType.autocomplete:
            # Autocomplete cannot carry a message; an empty list was or will be shown.
            log.info("autocomplete error in %r: %s", interaction.command, error)
            return
        locale = locale_for(interaction.locale)
        message, error_id = _user_message(interaction.client, error, locale)
        command = interaction.command.qualified_name if interaction.command else "?"
        if error_id is not None:
            original = getattr(error, "original", error)
            log.error(
                "error %s in command %r (user %s)",
                error_id,
                command,
                interaction.user.id,
                exc_info=(type(original), original, original.__traceback__),
                extra={"error_id": error_id},
            )
        else:
            log.info("refused command %r for user %s: %s", command, interaction.user.id, error)
        interaction.client.services.metrics.interaction(
            command if interaction.command else "component",
            "error" if error_id else "refused",
            interaction_seconds(interaction),
        )
        await send_ephemeral(interaction, message)


async def only_for(interaction: discord.Interaction[Any], owner_id: int) -> bool:
    """True if ``interaction`` comes from ``owner_id``; otherwise tell the presser privately, in
    their language, that the button is someone else's (rather than Discord's "This interaction
    failed") and return False. For buttons tied to one user."""
    if interaction.user.id == owner_id:
        return True
    bot: CompanionBot = interaction.client
    text = bot.services.catalog.t("errors.not_your_button", locale_for(interaction.locale))
    await send_ephemeral(interaction, text)
    return False


async def send_ephemeral(interaction: discord.Interaction[Any], content: str) -> None:
    """Answer privately, whether or not the interaction was already answered or deferred."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                content, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id)
