"""Buttons viewers press: "did you mean" picks and Q&A votes, plus the error plumbing for components.

Both buttons are :class:`discord.ui.DynamicItem`\\s: their state lives in the custom id (``faq:pick:<entry
id>``, ``qna:vote:<question number>``), so they keep working after a restart once the cog registers them
with ``bot.add_dynamic_items``. discord.py builds them itself, so they reach the FAQ service through
``services.provided(FaqService)`` rather than a constructor.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from bot.tree import only_for, report_component_error

from ._service import FaqChoice, FaqService
from ._store import Question

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)


def faq_service(interaction: discord.Interaction[CompanionBot]) -> FaqService:
    service = interaction.client.services.provided(FaqService)
    if service is None:
        raise RuntimeError("the FAQ feature is not loaded")
    return service


# -- "did you mean" --------------------------------------------------------------------------------


class PickButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"faq:pick:(?P<entry_id>[a-z0-9][a-z0-9_-]{0,31})(?::(?P<owner_id>[0-9]{1,20}))?",
):
    """One "did you mean" choice; pressing it turns the message into that entry's answer.

    The choices belong to whoever asked (their id is in the custom id): anyone else pressing one is
    told so privately. Buttons posted before owners were recorded answer anyone.
    """

    def __init__(self, entry_id: str, label: str = "?", owner_id: int | None = None) -> None:
        owner = f":{owner_id}" if owner_id is not None else ""
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"faq:pick:{entry_id}{owner}",
            )
        )
        self.entry_id = entry_id
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PickButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        owner = int(match["owner_id"]) if match["owner_id"] else None
        return cls(match["entry_id"], label or "?", owner)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            if self.owner_id is not None and not await only_for(interaction, self.owner_id):
                return
            service = faq_service(interaction)
            reply = await service.answer_entry(
                self.entry_id, locale_for(interaction.locale), picked=True
            )
            await interaction.response.edit_message(
                content=reply.text, view=None, allowed_mentions=NO_MENTIONS
            )
        except Exception as error:  # noqa: BLE001 - shown to the user with an error id and logged
            await report_component_error(interaction, error)


def pick_view(choices: Iterable[FaqChoice], owner_id: int) -> discord.ui.View:
    """The "did you mean" buttons for the one who asked."""
    view = discord.ui.View(timeout=None)
    for choice in choices:
        view.add_item(PickButton(choice.entry_id, choice.label, owner_id))
    return view


# -- Q&A votes -------------------------------------------------------------------------------------


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"qna:vote:(?P<question_id>[0-9]{1,19})",
):
    """The 👍 under a viewer question: one vote per person, the label shows the count."""

    def __init__(self, question_id: int, label: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"qna:vote:{question_id}",
                disabled=disabled,
            )
        )
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> VoteButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(int(match["question_id"]), label or "👍")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self._vote(interaction)
        except Exception as error:  # noqa: BLE001 - shown to the user with an error id and logged
            await report_component_error(interaction, error)

    async def _vote(self, interaction: discord.Interaction[CompanionBot]) -> None:
        service = faq_service(interaction)
        locale = locale_for(interaction.locale)
        result = await service.vote(self.question_id, interaction.user.id)
        text = service.vote_text(result, locale)
        if not result.added or self.view is None:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        settings = await interaction.client.services.guild(interaction.guild_id or 0)
        self.item.label = service.vote_label(result.votes, settings.locale)
        await interaction.response.edit_message(view=self.view, allowed_mentions=NO_MENTIONS)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


def question_message(
    service: FaqService, question: Question, locale: str
) -> tuple[str, discord.ui.View | None]:
    """The Q&A channel post for ``question`` in its current status: content and buttons.

    Open: the question with a live vote button. Answered: marked, the vote count kept but frozen.
    Hidden: only a note that moderators hid it (the text stays in the database for the record).
    """
    post = service.question_post(question, locale)
    label = service.vote_label(question.votes, locale)
    view = discord.ui.View(timeout=None)
    if question.status == "hidden":
        return service.t("questions.post_hidden", locale), None
    if question.status == "answered":
        view.add_item(VoteButton(question.id, label, disabled=True))
        return f"{post}\n{service.t('questions.post_answered', locale)}", view
    view.add_item(VoteButton(question.id, label))
    return post, view
