"""Viewer side of the schedule: ``/schedule``, ``/next``, ``/remind on|off|dm``, and the lifecycle.

Thin on purpose: parse the interaction, ask :class:`~cogs.schedule._service.ScheduleService` (via
the feature), render its texts. The moderator commands are in ``_admin.py``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.config import Config
from bot.cooldown import per_user_cooldown
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from bot.tree import send_ephemeral
from cogs.schedule._delivery import to_embed
from cogs.schedule._feature import FEATURE, ScheduleFeature
from cogs.schedule._render import AgendaCache, MessageData
from cogs.schedule._views import AgendaView, answer_ics, answer_remind

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

#: /schedule and /next answer in the channel; one viewer may ask once per this many seconds so
#: nobody can flood it (the tree answers a refused call privately).
VIEWER_COOLDOWN_SECONDS = 15.0


class ScheduleCog(commands.Cog):
    def __init__(self, feature: ScheduleFeature) -> None:
        self.feature = feature
        self.bot = feature.bot
        self.services = feature.bot.services
        self._agendas = AgendaCache()

    async def cog_load(self) -> None:
        await self.feature.start()
        # Persistent: the buttons of agendas posted before a restart keep working.
        self.bot.add_view(AgendaView(self.feature, self.services.config.discord.locale))
        self.services.use_program(self.feature)
        self.services.status_sources[FEATURE] = self.feature

    async def cog_unload(self) -> None:
        self.services.status_sources.pop(FEATURE, None)
        self.services.use_program(None)
        await self.feature.stop()

    @commands.Cog.listener()
    async def on_config_reloaded(self, old: Config, new: Config) -> None:
        await self.feature.reconfigure(new)

    # -- /schedule, /next -------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("schedule", key="cmd.schedule.name"),
        description=locale_str(
            "Today's program, with the current session highlighted", key="cmd.schedule.description"
        ),
    )
    @app_commands.rename(calendar=locale_str("calendar", key="cmd.schedule.calendar.name"))
    @app_commands.describe(
        calendar=locale_str(
            "Also get an .ics file for your calendar app", key="cmd.schedule.calendar.description"
        )
    )
    @per_user_cooldown(1, VIEWER_COOLDOWN_SECONDS)
    async def schedule(
        self, interaction: discord.Interaction[CompanionBot], calendar: bool = False
    ) -> None:
        locale = locale_for(interaction.locale)
        service = self.feature.service
        agenda = self._agendas.agenda(service.texts, service.sessions, service.now(), locale)
        view = AgendaView(self.feature, locale, remind=interaction.guild is not None)
        # Its buttons are answered by the persistent AgendaView added at load: sent stopped, this
        # one only gives its components and is not kept in discord.py's view store per message.
        view.stop()
        await interaction.response.send_message(
            embed=to_embed(agenda),
            view=view,
            allowed_mentions=NO_MENTIONS,
        )
        if calendar:
            # Like the button: the file is for the asker, not for the whole channel.
            await answer_ics(self.feature, interaction)

    @app_commands.command(
        name=locale_str("next", key="cmd.next.name"),
        description=locale_str(
            "The next session and how long until it starts", key="cmd.next.description"
        ),
    )
    @per_user_cooldown(1, VIEWER_COOLDOWN_SECONDS)
    async def next_session(self, interaction: discord.Interaction[CompanionBot]) -> None:
        locale = locale_for(interaction.locale)
        service = self.feature.service
        text = service.texts.next_text(service.sessions, service.now(), locale)
        await interaction.response.send_message(text, allowed_mentions=NO_MENTIONS)

    # -- /remind ----------------------------------------------------------------------------------

    remind = app_commands.Group(
        name=locale_str("remind", key="cmd.remind.name"),
        description=locale_str("Session reminder settings", key="cmd.remind.description"),
        guild_only=True,
    )

    @remind.command(
        name=locale_str("on", key="cmd.remind.on.name"),
        description=locale_str(
            "Ping me with the session reminders", key="cmd.remind.on.description"
        ),
    )
    async def remind_on(self, interaction: discord.Interaction[CompanionBot]) -> None:
        await answer_remind(self.feature, interaction, on=True)

    @remind.command(
        name=locale_str("off", key="cmd.remind.off.name"),
        description=locale_str(
            "Stop pinging me with the session reminders", key="cmd.remind.off.description"
        ),
    )
    async def remind_off(self, interaction: discord.Interaction[CompanionBot]) -> None:
        await answer_remind(self.feature, interaction, on=False)

    @remind.command(
        name=locale_str("dm", key="cmd.remind.dm.name"),
        description=locale_str(
            "Also get the session reminders by direct message", key="cmd.remind.dm.description"
        ),
    )
    @app_commands.rename(enabled=locale_str("enabled", key="cmd.remind.dm.enabled.name"))
    @app_commands.describe(
        enabled=locale_str("Send me reminders by DM?", key="cmd.remind.dm.enabled.description")
    )
    async def remind_dm(
        self, interaction: discord.Interaction[CompanionBot], enabled: bool = True
    ) -> None:
        locale = locale_for(interaction.locale)
        texts, ledger = self.feature.service.texts, self.feature.ledger
        user_id, now = interaction.user.id, self.services.clock.now()
        if not enabled:
            await ledger.set_dm(user_id, False, locale=locale, now=now)
            await send_ephemeral(interaction, texts.remind_reply("dm_off", locale))
            return
        # Defer: opening the DM channel and the test message are two round trips.
        await interaction.response.defer(ephemeral=True, thinking=True)
        welcome = MessageData(self.services.t("schedule.remind.dm_welcome", locale))
        try:
            await self.feature.poster.send_dm(user_id, welcome)
        except discord.Forbidden:
            await ledger.set_dm(user_id, False, locale=locale, now=now)
            answer = texts.remind_reply("dm_closed", locale)
        else:
            await ledger.set_dm(user_id, True, locale=locale, now=now)
            answer = texts.remind_reply("dm_on", locale)
        await send_ephemeral(interaction, answer)
