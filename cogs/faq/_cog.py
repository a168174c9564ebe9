"""Viewer side of the FAQ: ``/faq``, ``/ask``, the optional auto-answer, and the feature's lifecycle.

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
from bot.errors import UserError
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS

from ._admin_views import MarkButton
from ._repo import FaqRepo
from ._service import FaqReply, FaqService
from ._views import FEATURE, PickButton, VoteButton, pick_view, question_message, user_errors

if TYPE_CHECKING:
    from bot.core import CompanionBot
    from bot.services import Services

log = logging.getLogger(__name__)

# Per-user limits so one person cannot make the bot flood a channel; the tree answers a refusal with
# the localised "try again in N s". /ask is limited further by the service (one question a minute).
FAQ_RATE, FAQ_PER = 5, 30.0
ASK_RATE, ASK_PER = 5, 60.0
CHOICE_CHARS = 100


def build_service(services: Services) -> FaqService:
    return FaqService(
        services.config,
        FaqRepo(services.store),
        services.clock,
        services.t,
        # After /admin delay when the schedule feature runs, else the config's times.
        program_times=services.program_times,
    )


class FaqCog(commands.Cog):
    def __init__(self, bot: CompanionBot, service: FaqService) -> None:
        self.bot = bot
        self.services = bot.services
        self.service = service

    async def cog_load(self) -> None:
        await self.service.load()
        self.bot.add_dynamic_items(PickButton, VoteButton, MarkButton)
        self.services.provide(FaqService, self.service)
        self.services.status_sources[FEATURE] = self.service

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PickButton, VoteButton, MarkButton)
        self.services.withdraw(FaqService)
        self.services.status_sources.pop(FEATURE, None)

    @commands.Cog.listener()
    async def on_config_reloaded(self, old: Config, new: Config) -> None:
        self.service.reconfigure(new)
        await self.service.load()

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
    @app_commands.checks.cooldown(FAQ_RATE, FAQ_PER, key=lambda i: i.user.id)
    async def faq(self, interaction: discord.Interaction[CompanionBot], question: str) -> None:
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
                view=pick_view(reply.choices),
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
    @app_commands.checks.cooldown(ASK_RATE, ASK_PER, key=lambda i: i.user.id)
    async def ask(self, interaction: discord.Interaction[CompanionBot], question: str) -> None:
        locale = locale_for(interaction.locale)
        guild = interaction.guild
        assert guild is not None  # guild_only
        settings = await self.services.guild(guild.id)
        channel = guild.get_channel(settings.qna_channel_id) if settings.qna_channel_id else None
        if not isinstance(channel, discord.TextChannel):
            raise UserError("ask.no_channel")
        with user_errors():
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
            await self.service.repo.delete_question(queued.id)
            raise UserError("ask.post_failed") from None
        await self.service.repo.set_question_message(queued.id, channel.id, posted.id)
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
