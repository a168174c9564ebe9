"""Moderator side of the recap: ``/admin session start|skip``, ``/admin chapters``, ``/admin report``.

The core moves the commands named in ``admin_commands`` under ``/admin``, whose moderator check
covers them at any depth.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str
from discord.ext import commands

from bot.checks import ModeratorGroup
from bot.config import Locale, ProgramItem
from bot.errors import UserError
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from bot.text import clean_text, clip
from bot.timefmt import zone_label
from bot.tree import send_ephemeral
from cogs.recap._feature import RecapFeature
from cogs.recap._render import chapters_reply
from cogs.recap._timeline import DaySession, resolve_mark_time

if TYPE_CHECKING:
    from bot.core import CompanionBot

CHOICES = 25
SESSION_ID_CHARS = 32
MARK_TIME_CHARS = 8

SESSION_NAME = locale_str("session", key="cmd.admin.session.session.name")
SESSION_DESCRIPTION = locale_str(
    "The program item (its id from the config)", key="cmd.admin.session.session.description"
)


class RecapAdminCog(commands.Cog):
    admin_commands = ("session", "chapters", "report")

    session = ModeratorGroup(
        name=locale_str("session", key="cmd.admin.session.name"),
        description=locale_str(
            "Record how the sessions really ran", key="cmd.admin.session.description"
        ),
    )

    def __init__(self, feature: RecapFeature) -> None:
        self.feature = feature
        self.bot = feature.bot
        self.services = feature.services

    def _item(self, session_id: str) -> ProgramItem:
        item = self.services.config.program_item(session_id.strip().lower())
        if item is None:
            raise UserError("recap.session.unknown", session=clip(session_id, SESSION_ID_CHARS))
        return item

    def _hms(self, session: DaySession) -> str:
        return session.start.astimezone(self.services.config.tz).strftime("%H:%M:%S")

    async def _server_locale(self, interaction: discord.Interaction[CompanionBot]) -> Locale:
        return (await self.services.guild(interaction.guild_id or 0)).locale

    # -- /admin session start | skip --------------------------------------------------------------

    @session.command(
        name=locale_str("start", key="cmd.admin.session.start.name"),
        description=locale_str(
            "Mark when a session really started (now, or at HH:MM[:SS] today)",
            key="cmd.admin.session.start.description",
        ),
    )
    @app_commands.rename(
        session_id=SESSION_NAME, at=locale_str("at", key="cmd.admin.session.start.at.name")
    )
    @app_commands.describe(
        session_id=SESSION_DESCRIPTION,
        at=locale_str(
            "HH:MM or HH:MM:SS on the event's day (event time zone); leave out for now",
            key="cmd.admin.session.start.at.description",
        ),
    )
    async def session_start(
        self,
        interaction: discord.Interaction[CompanionBot],
        session_id: app_commands.Range[str, 1, SESSION_ID_CHARS],
        at: app_commands.Range[str, 1, MARK_TIME_CHARS] | None = None,
    ) -> None:
        locale = locale_for(interaction.locale)
        item = self._item(session_id)
        config, now = self.services.config, self.services.clock.now()
        if at is None:
            moment = now.replace(microsecond=0)
        else:
            text = clean_text(at, max_length=MARK_TIME_CHARS)
            moment = resolve_mark_time(text, config.event.date, config.tz, now)
        before, after = await self.feature.mark(
            item.id,
            "start",
            moment,
            guild_id=interaction.guild_id or 0,
            user_id=interaction.user.id,
        )
        await self.bot.audit(
            interaction,
            "session_start",
            before={"session": item.id, "start": self._hms(before), "skipped": before.skipped},
            after={"session": item.id, "start": self._hms(after)},
        )
        reply = self.services.t(
            "recap.mark.started",
            locale,
            title=item.title.get(locale),
            time=self._hms(after),
            zone=zone_label(after.start, config.tz),
            previous=self._hms(before),
        )
        await send_ephemeral(interaction, reply)

    @session.command(
        name=locale_str("skip", key="cmd.admin.session.skip.name"),
        description=locale_str(
            "Mark a session as skipped (left out of chapters and replay links)",
            key="cmd.admin.session.skip.description",
        ),
    )
    @app_commands.rename(session_id=SESSION_NAME)
    @app_commands.describe(session_id=SESSION_DESCRIPTION)
    async def session_skip(
        self,
        interaction: discord.Interaction[CompanionBot],
        session_id: app_commands.Range[str, 1, SESSION_ID_CHARS],
    ) -> None:
        locale = locale_for(interaction.locale)
        item = self._item(session_id)
        before, _ = await self.feature.mark(
            item.id, "skip", None, guild_id=interaction.guild_id or 0, user_id=interaction.user.id
        )
        await self.bot.audit(
            interaction,
            "session_skip",
            before={"session": item.id, "start": self._hms(before), "skipped": before.skipped},
            after={"session": item.id, "skipped": True},
        )
        reply = self.services.t("recap.mark.skipped", locale, title=item.title.get(locale))
        await send_ephemeral(interaction, reply)

    @session_start.autocomplete("session_id")
    @session_skip.autocomplete("session_id")
    async def session_autocomplete(
        self, interaction: discord.Interaction[CompanionBot], current: str
    ) -> list[Choice[str]]:
        """Program items whose id or title contains what was typed, showing the title."""
        locale = locale_for(interaction.locale)
        typed = current.strip().lower()
        choices = []
        for item in self.services.config.program:
            title = item.title.get(locale)
            if typed and typed not in item.id and typed not in title.lower():
                continue
            start = item.start.strftime("%H:%M")
            choices.append(Choice(name=clip(f"{start} {title} ({item.id})", 100), value=item.id))
        return choices[:CHOICES]

    # -- /admin chapters ------------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("chapters", key="cmd.admin.chapters.name"),
        description=locale_str(
            "The stream's chapter list for the YouTube description",
            key="cmd.admin.chapters.description",
        ),
    )
    @app_commands.rename(language=locale_str("language", key="cmd.admin.chapters.language.name"))
    @app_commands.describe(
        language=locale_str(
            "The titles' language (default: the server's)",
            key="cmd.admin.chapters.language.description",
        )
    )
    @app_commands.choices(
        language=[
            Choice(name=locale_str("Korean", key="cmd.admin.chapters.language.ko"), value="ko"),
            Choice(name=locale_str("English", key="cmd.admin.chapters.language.en"), value="en"),
        ]
    )
    async def chapters(
        self, interaction: discord.Interaction[CompanionBot], language: Choice[str] | None = None
    ) -> None:
        locale = locale_for(interaction.locale)
        titles: Locale = (
            locale_for(language.value) if language else await self._server_locale(interaction)
        )
        chapters = await self.feature.chapters(titles)
        await send_ephemeral(interaction, chapters_reply(chapters, self.services.t, locale))

    # -- /admin report --------------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("report", key="cmd.admin.report.name"),
        description=locale_str(
            "The organisers' report: viewers, reminders, questions, moderator actions",
            key="cmd.admin.report.description",
        ),
    )
    @app_commands.rename(post=locale_str("post", key="cmd.admin.report.post.name"))
    @app_commands.describe(
        post=locale_str(
            "Post it in this channel for everyone (default: only you see it)",
            key="cmd.admin.report.post.description",
        )
    )
    async def report(
        self, interaction: discord.Interaction[CompanionBot], post: bool = False
    ) -> None:
        # A report posted in the channel speaks the server's language; a private one the reader's.
        locale = await self._server_locale(interaction) if post else locale_for(interaction.locale)
        await interaction.response.defer(ephemeral=not post, thinking=True)
        bundle = await self.feature.report(locale)
        await interaction.followup.send(
            self.services.t("recap.report.content", locale),
            embed=discord.Embed.from_dict(bundle.embed),
            files=bundle.discord_files(),
            ephemeral=not post,
            allowed_mentions=NO_MENTIONS,
        )
        if post:
            await self.bot.audit(
                interaction, "report_post", after={"channel": interaction.channel_id}
            )
