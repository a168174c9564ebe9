"""Moderator UI: the FAQ entry form and the question panel's "answered"/"hide" buttons.

Both are answered outside the command tree, whose moderator check only covers slash commands, so each
checks :func:`bot.checks.ensure_moderator` itself before changing anything.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.checks import ensure_moderator
from bot.errors import UserError
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from bot.text import clip
from bot.tree import report_component_error

from ._forms import (
    ANSWER_MAX_CHARS,
    KEYWORDS_MAX_CHARS,
    QUESTION_TEXT_MAX_CHARS,
    FaqForm,
    entry_from_form,
)
from ._service import FaqService, Translate
from ._store import Question, QuestionStatus
from ._views import faq_service, question_message

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

FormMode = Literal["add", "edit"]
MODAL_TITLE_CHARS = 45
LABEL_CHARS = 45
TEXT_INPUT_CHARS = 4000  # Discord's limit for one text input
FORM_TIMEOUT = 900.0  # a moderator may take a while to write an answer
PANEL_BUTTON_ROWS = 5


# -- the FAQ entry form ----------------------------------------------------------------------------


def _input(
    t: Translate,
    locale: str,
    name: str,
    *,
    default: str | None,
    max_length: int,
    paragraph: bool = False,
    required: bool = True,
    placeholder_key: str | None = None,
) -> discord.ui.TextInput[Any]:
    return discord.ui.TextInput(
        label=t(f"faq.admin.modal.{name}", locale)[:LABEL_CHARS],
        custom_id=name,
        default=default,
        # Never below the current text (a config entry may be longer), or Discord refuses the form;
        # entry_from_form then names the limit if it is still too long.
        max_length=min(TEXT_INPUT_CHARS, max(max_length, len(default or ""))),
        required=required,
        style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
        placeholder=t(placeholder_key, locale)[:100] if placeholder_key else None,
    )


class EntryModal(discord.ui.Modal):
    """The five fields of an entry (Discord's maximum); the id came with the command."""

    def __init__(
        self,
        service: FaqService,
        *,
        mode: FormMode,
        entry_id: str,
        locale: str,
        form: FaqForm | None,
        custom_id: str,
    ) -> None:
        t = service.t
        title = t(f"faq.admin.modal.title_{mode}", locale, entry_id=entry_id)
        super().__init__(
            title=clip(title, MODAL_TITLE_CHARS), custom_id=custom_id, timeout=FORM_TIMEOUT
        )
        self.service = service
        self.mode: FormMode = mode
        self.entry_id = entry_id
        self.locale = locale
        self.question_ko = _input(
            t,
            locale,
            "question_ko",
            default=form.question_ko if form else None,
            max_length=QUESTION_TEXT_MAX_CHARS,
        )
        self.question_en = _input(
            t,
            locale,
            "question_en",
            default=form.question_en if form else None,
            max_length=QUESTION_TEXT_MAX_CHARS,
        )
        self.answer_ko = _input(
            t,
            locale,
            "answer_ko",
            default=form.answer_ko if form else None,
            max_length=ANSWER_MAX_CHARS,
            paragraph=True,
            placeholder_key="faq.admin.modal.answer_placeholder",
        )
        self.answer_en = _input(
            t,
            locale,
            "answer_en",
            default=form.answer_en if form else None,
            max_length=ANSWER_MAX_CHARS,
            paragraph=True,
            placeholder_key="faq.admin.modal.answer_placeholder",
        )
        self.keywords = _input(
            t,
            locale,
            "keywords",
            default=form.keywords if form else None,
            max_length=KEYWORDS_MAX_CHARS,
            paragraph=True,
            required=False,
            placeholder_key="faq.admin.modal.keywords_placeholder",
        )
        for item in (
            self.question_ko,
            self.question_en,
            self.answer_ko,
            self.answer_en,
            self.keywords,
        ):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self._save(interaction)

    async def _save(self, interaction: discord.Interaction[CompanionBot]) -> None:
        await ensure_moderator(interaction)
        service, user_id = self.service, interaction.user.id
        form = FaqForm(
            question_ko=self.question_ko.value,
            question_en=self.question_en.value,
            answer_ko=self.answer_ko.value,
            answer_en=self.answer_en.value,
            keywords=self.keywords.value,
        )
        before = service.matcher.entry(self.entry_id)
        entry = entry_from_form(self.entry_id, form)
        if self.mode == "add":
            warnings = await service.add_entry(entry, user_id=user_id, moderator=True)
        else:
            warnings = await service.edit_entry(entry, user_id=user_id, moderator=True)
        await interaction.client.audit(
            interaction,
            f"faq_{self.mode}",
            before=before.to_json() if before and self.mode == "edit" else None,
            after=entry.to_json(),
        )
        locale = locale_for(interaction.locale)
        done_key = "faq.admin.added" if self.mode == "add" else "faq.admin.edited"
        lines = [service.t(done_key, locale, entry_id=entry.id)]
        if warnings:
            names = ", ".join("{" + name + "}" for name in warnings)
            lines.append(service.t("faq.admin.unknown_placeholders", locale, names=names))
        await interaction.response.send_message(
            "\n".join(lines), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    async def on_error(  # type: ignore[override]  # Modal drops View's item parameter
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_component_error(interaction, error)


# -- viewer questions ------------------------------------------------------------------------------


async def apply_question_status(
    interaction: discord.Interaction[CompanionBot], question_id: int, status: QuestionStatus
) -> Question:
    """Mark a question, update its Q&A post and audit it (the post may be gone: that is fine)."""
    service = faq_service(interaction)
    bot = interaction.client
    before = await service.store.question(question_id)
    if before is None or before.guild_id != interaction.guild_id:
        raise UserError("questions.not_found", number=question_id)
    question = await service.set_question_status(
        question_id, status, user_id=interaction.user.id, moderator=True
    )
    channel = bot.get_channel(question.channel_id) if question.message_id else None
    if isinstance(channel, discord.TextChannel) and question.message_id is not None:
        settings = await bot.services.guild(question.guild_id)
        content, view = question_message(service, question, settings.locale)
        try:
            await channel.get_partial_message(question.message_id).edit(
                content=content, view=view, allowed_mentions=NO_MENTIONS
            )
        except discord.HTTPException as error:
            log.warning("could not update the post of question %s: %s", question.id, error)
    await bot.audit(
        interaction,
        f"question_{status}",
        before={"number": question.id, "status": before.status},
        after={"number": question.id, "status": question.status, "text": question.text[:100]},
    )
    return question


class MarkButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"qna:mark:(?P<question_id>[0-9]{1,19}):(?P<status>answered|hidden)",
):
    """A panel button: mark a question answered or hide it, then refresh the panel."""

    def __init__(self, question_id: int, status: Literal["answered", "hidden"], label: str) -> None:
        style = discord.ButtonStyle.success if status == "answered" else discord.ButtonStyle.danger
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=style, custom_id=f"qna:mark:{question_id}:{status}"
            )
        )
        self.question_id = question_id
        self.status: Literal["answered", "hidden"] = status

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MarkButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        status: Literal["answered", "hidden"] = (
            "answered" if match["status"] == "answered" else "hidden"
        )
        return cls(int(match["question_id"]), status, label or status)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self._mark(interaction)
        except Exception as error:  # noqa: BLE001 - shown to the user with an error id and logged
            await report_component_error(interaction, error)

    async def _mark(self, interaction: discord.Interaction[CompanionBot]) -> None:
        await ensure_moderator(interaction)
        question = await apply_question_status(interaction, self.question_id, self.status)
        service = faq_service(interaction)
        locale = locale_for(interaction.locale)
        text, view = await questions_panel(service, question.guild_id, locale)
        done = service.status_text(question, locale)
        await interaction.response.edit_message(
            content=clip(f"{done}\n\n{text}", 2000),
            view=view,
            allowed_mentions=NO_MENTIONS,
        )


async def questions_panel(
    service: FaqService, guild_id: int, locale: str
) -> tuple[str, discord.ui.View | None]:
    """The top open questions and, for the first five, "answered"/"hide" buttons."""
    questions = await service.top_questions(guild_id)
    text = service.questions_text(questions, locale)
    if not questions:
        return text, None
    view = discord.ui.View(timeout=None)
    answered = service.t("questions.button.answered", locale)
    hide = service.t("questions.button.hide", locale)
    marks: tuple[tuple[Literal["answered", "hidden"], str], ...] = (
        ("answered", answered),
        ("hidden", hide),
    )
    for row, question in enumerate(questions[:PANEL_BUTTON_ROWS]):
        for status, label in marks:
            button = MarkButton(question.id, status, f"#{question.id} {label}")
            button.row = row
            view.add_item(button)
    return text, view
