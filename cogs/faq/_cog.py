"""Viewer side of the FAQ: ``/faq``, ``/ask`` and the optional auto-answer; starts and stops the feature.

Thin on purpose: parse the interaction, call :class:`~cogs.faq._service.FaqService`, render its text.
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
from bot.errors import UserError
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS

from ._feature import FaqFeature
from ._matcher import MAX_QUERY_CHARS
from ._service import FaqReply
from ._text import QUESTION_MAX_CHARS
from ._views import pick_view, question_message

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

# Per-user limits so one person cannot make the bot flood a channel; the tree answers a refusal with
# the localised "try again in N s". /ask is limited further by the service (one question a minute).
FAQ_RATE, FAQ_PER = 5, 30.0
ASK_RATE, ASK_PER = 5, 60.0
CHOICE_CHARS = 100


class FaqCog(commands.Cog):
    def __init__(self, feature: FaqFeature) -> None:
        self.feature = feature
        self.services = feature.bot.services
        self.service = feature.service

    async def cog_load(self) -> None:
        await self.feature.start()

    async def cog_unload(self) -> None:
        await self.feature.stop()

    @commands.Cog.listener()
    async def on_config_reloaded(self, old: Config, new: Config) -> None:
        await self.feature.reconfigure(new)

    # -- /faq ----------------------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("faq", key="cmd.faq.name"),
        description=locale_str(
            "Ask anything about the event and get an answer right away",
            key="cmd.faq.description",
        ),
    )
    @app_commands.rename(question=locale_str("question", key="cmd.faq.question.name"))
    @app_commands.describe(question=locale_str("Your question", key="cmd.faq.question.description"))
    @per_user_cooldown(FAQ_RATE, FAQ_PER)
    async def faq(
        self,
        interaction: discord.Interaction[CompanionBot],
        question: app_commands.Range[str, 1, MAX_QUERY_CHARS],
    ) -> None:
        locale = locale_for(interaction.locale)
        picked = question.strip()
        if picked in self.service.matcher:  # an autocomplete choice carries the entry id
            reply = await self.service.answer_entry(picked, locale)
        else:
            reply = await self.service.answer(question, locale)
        self.services.metrics.faq_reply(reply.kind)
        await self._send_reply(interaction, reply)

    async def _send_reply(
        self, interaction: discord.Interaction[CompanionBot], reply: FaqReply
    ) -> None:
        if reply.kind == "confident":
            # A clear answer is public: others in the chat often wonder the same.
            await interaction.response.send_message(reply.text, allowed_mentions=NO_MENTIONS)
        elif reply.kind == "weak":
            await interaction.response.send_message(
                reply.text,
                view=pick_view(reply.choices, interaction.user.id),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
        else:
            await interaction.response.send_message(
                reply.text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )

    @faq.autocomplete("question")
    async def faq_autocomplete(
        self, interaction: discord.Interaction[CompanionBot], current: str
    ) -> list[app_commands.Choice[str]]:
        locale = locale_for(interaction.locale)
        return [
            app_commands.Choice(name=s.label[:CHOICE_CHARS], value=s.entry_id)
            for s in self.service.suggest(current, locale)
        ]

    # -- /ask ----------------------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("ask", key="cmd.ask.name"),
        description=locale_str(
            "Send a question to the talk-concert speakers", key="cmd.ask.description"
        ),
    )
    @app_commands.guild_only()
    @app_commands.rename(question=locale_str("question", key="cmd.ask.question.name"))
    @app_commands.describe(
        question=locale_str("What you would like to ask", key="cmd.ask.question.description")
    )
    @per_user_cooldown(ASK_RATE, ASK_PER)
    async def ask(
        self,
        interaction: discord.Interaction[CompanionBot],
        question: app_commands.Range[str, 1, QUESTION_MAX_CHARS],
    ) -> None:
        locale = locale_for(interaction.locale)
        guild = interaction.guild
        assert guild is not None  # guild_only
        settings = await self.services.guild(guild.id)
        channel = guild.get_channel(settings.qna_channel_id) if settings.qna_channel_id else None
        if not isinstance(channel, discord.TextChannel):
            raise UserError("ask.no_channel")
        queued = await self.service.ask(
            guild_id=guild.id, author_id=interaction.user.id, text=question, locale=locale
        )
        content, view = question_message(self.service, queued, settings.locale)
        assert view is not None  # a new question is open: it has its vote button
        try:
            # Posting may wait on a rate limit; keep the interaction alive meanwhile.
            await interaction.response.defer(ephemeral=True, thinking=True)
            posted = await channel.send(content, view=view, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            log.warning("could not post question %s to %s: %s", queued.id, channel.id, error)
            await self.service.store.delete_question(queued.id)
            raise UserError("ask.post_failed") from None
        await self.service.store.set_question_message(queued.id, channel.id, posted.id)
        await interaction.followup.send(
            self.services.t("ask.queued", locale, link=posted.jump_url),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # -- auto-answer ---------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        # Only sees text when config.discord.auto_answer_channel_ids turned the content intent on.
        if message.author.bot or message.guild is None or not message.content:
            return
        reply = await self.service.auto_answer(
            message.content, channel_id=message.channel.id, author_is_bot=message.author.bot
        )
        if reply is None:
            return
        self.services.metrics.faq_reply("confident", via="auto")
        try:
            await message.reply(reply, mention_author=False, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            log.warning("could not auto-answer in %s: %s", message.channel.id, error)
