"""Moderator side of the FAQ: ``/admin faq add|edit|remove|list|export|stats`` and ``/admin questions``.

The core moves the commands named in ``admin_commands`` under ``/admin``, whose moderator check covers
them; the service checks ``moderator`` again as a second fence.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str
from discord.ext import commands

from bot.checks import ModeratorGroup
from bot.errors import UserError
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from bot.text import clip
from bot.tree import send_ephemeral

from ._admin_views import EntryModal, FormMode, apply_question_status, questions_panel
from ._feature import FaqFeature
from ._forms import check_entry_id, form_from_entry
from ._store import QuestionStatus

if TYPE_CHECKING:
    from bot.core import CompanionBot

CHOICES = 25
ENTRY_CHARS = 100
"""Ids are at most 32 characters; the rest is room to find an entry by its question while typing."""
EntryOption = app_commands.Range[str, 1, ENTRY_CHARS]


ENTRY_NAME = locale_str("entry", key="cmd.admin.faq.entry.name")
ENTRY_DESCRIPTION = locale_str(
    "Entry id (lowercase letters, digits, - or _)", key="cmd.admin.faq.entry.description"
)


class FaqAdminCog(commands.Cog):
    admin_commands = ("faq_admin", "questions")

    faq_admin = ModeratorGroup(
        name=locale_str("faq", key="cmd.admin.faq.name"),
        description=locale_str("Manage the FAQ entries", key="cmd.admin.faq.description"),
    )

    def __init__(self, feature: FaqFeature) -> None:
        self.bot = feature.bot
        self.service = feature.service

    def t(self, key: str, locale: str, /, **values: object) -> str:
        return self.service.t(key, locale, **values)

    # -- add / edit / remove -------------------------------------------------------------------------

    @faq_admin.command(
        name=locale_str("add", key="cmd.admin.faq.add.name"),
        description=locale_str("Add a new FAQ entry", key="cmd.admin.faq.add.description"),
    )
    @app_commands.rename(entry=ENTRY_NAME)
    @app_commands.describe(entry=ENTRY_DESCRIPTION)
    async def faq_add(
        self, interaction: discord.Interaction[CompanionBot], entry: EntryOption
    ) -> None:
        entry_id = check_entry_id(entry)
        if entry_id in self.service.matcher:
            raise UserError("faq.admin.exists", entry_id=entry_id)
        await self._open_form(interaction, "add", entry_id)

    @faq_admin.command(
        name=locale_str("edit", key="cmd.admin.faq.edit.name"),
        description=locale_str("Edit an FAQ entry", key="cmd.admin.faq.edit.description"),
    )
    @app_commands.rename(entry=ENTRY_NAME)
    @app_commands.describe(entry=ENTRY_DESCRIPTION)
    async def faq_edit(
        self, interaction: discord.Interaction[CompanionBot], entry: EntryOption
    ) -> None:
        entry_id = entry.strip().lower()
        if entry_id not in self.service.matcher:
            raise UserError("faq.admin.not_found", entry_id=clip(entry_id, 40))
        await self._open_form(interaction, "edit", entry_id)

    async def _open_form(
        self, interaction: discord.Interaction[CompanionBot], mode: FormMode, entry_id: str
    ) -> None:
        current = self.service.matcher.entry(entry_id)
        modal = EntryModal(
            self.service,
            mode=mode,
            entry_id=entry_id,
            locale=locale_for(interaction.locale),
            form=form_from_entry(current) if current is not None else None,
            # Unique per opening, so two moderators' forms never answer each other's submits.
            custom_id=f"faq:form:{mode}:{entry_id}:{interaction.id}",
        )
        await interaction.response.send_modal(modal)

    @faq_admin.command(
        name=locale_str("remove", key="cmd.admin.faq.remove.name"),
        description=locale_str("Hide an FAQ entry", key="cmd.admin.faq.remove.description"),
    )
    @app_commands.rename(entry=ENTRY_NAME)
    @app_commands.describe(entry=ENTRY_DESCRIPTION)
    async def faq_remove(
        self, interaction: discord.Interaction[CompanionBot], entry: EntryOption
    ) -> None:
        locale = locale_for(interaction.locale)
        entry_id = entry.strip().lower()
        removed = await self.service.remove_entry(
            entry_id, user_id=interaction.user.id, moderator=True
        )
        await self.bot.audit(interaction, "faq_remove", before=removed.to_json())
        await send_ephemeral(interaction, self.t("faq.admin.removed", locale, entry_id=removed.id))

    @faq_edit.autocomplete("entry")
    @faq_remove.autocomplete("entry")
    async def entry_autocomplete(
        self, interaction: discord.Interaction[CompanionBot], current: str
    ) -> list[Choice[str]]:
        """Ids starting with what was typed first, then entries whose question matches it."""
        locale = locale_for(interaction.locale)
        typed = current.strip().lower()
        ids = [e.id for e in self.service.entries if e.id.startswith(typed)]
        ids += [s.entry_id for s in self.service.suggest(current, locale) if s.entry_id not in ids]
        choices = []
        for entry_id in ids[:CHOICES]:
            label = self.service.matcher.label(entry_id, locale)
            choices.append(Choice(name=clip(f"{entry_id} · {label}", 100), value=entry_id))
        return choices

    # -- list / export / stats -----------------------------------------------------------------------

    @faq_admin.command(
        name=locale_str("list", key="cmd.admin.faq.list.name"),
        description=locale_str("List the FAQ entries in use", key="cmd.admin.faq.list.description"),
    )
    async def faq_list(self, interaction: discord.Interaction[CompanionBot]) -> None:
        await send_ephemeral(interaction, self.service.list_text(locale_for(interaction.locale)))

    @faq_admin.command(
        name=locale_str("export", key="cmd.admin.faq.export.name"),
        description=locale_str(
            "Get the current FAQ as a TOML file", key="cmd.admin.faq.export.description"
        ),
    )
    async def faq_export(self, interaction: discord.Interaction[CompanionBot]) -> None:
        locale = locale_for(interaction.locale)
        data = io.BytesIO(self.service.export().encode("utf-8"))
        # Deferred, then sent as a follow-up: an upload may take longer than the 3 s to answer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(
            self.t("faq.admin.export", locale, count=len(self.service.entries)),
            file=discord.File(data, filename="faq.toml"),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @faq_admin.command(
        name=locale_str("stats", key="cmd.admin.faq.stats.name"),
        description=locale_str(
            "Top questions and unanswered ones", key="cmd.admin.faq.stats.description"
        ),
    )
    async def faq_stats(self, interaction: discord.Interaction[CompanionBot]) -> None:
        await send_ephemeral(
            interaction, await self.service.stats_text(locale_for(interaction.locale))
        )

    # -- /admin questions ----------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("questions", key="cmd.admin.questions.name"),
        description=locale_str(
            "Top viewer questions by votes; mark them answered or hide them",
            key="cmd.admin.questions.description",
        ),
    )
    @app_commands.rename(
        number=locale_str("number", key="cmd.admin.questions.number.name"),
        action=locale_str("action", key="cmd.admin.questions.action.name"),
    )
    @app_commands.describe(
        number=locale_str(
            "Question number to act on (leave empty to list)",
            key="cmd.admin.questions.number.description",
        ),
        action=locale_str("How to mark the question", key="cmd.admin.questions.action.description"),
    )
    @app_commands.choices(
        action=[
            Choice(
                name=locale_str("answered", key="cmd.admin.questions.action.answered"),
                value="answered",
            ),
            Choice(
                name=locale_str("hide", key="cmd.admin.questions.action.hidden"), value="hidden"
            ),
            Choice(name=locale_str("reopen", key="cmd.admin.questions.action.open"), value="open"),
        ]
    )
    async def questions(
        self,
        interaction: discord.Interaction[CompanionBot],
        number: app_commands.Range[int, 1] | None = None,
        action: Choice[str] | None = None,
    ) -> None:
        locale = locale_for(interaction.locale)
        guild_id = interaction.guild_id or 0
        if number is None:
            if action is not None:
                raise UserError("questions.need_number")
            text, view = await questions_panel(self.service, guild_id, locale)
            if view is None:
                await send_ephemeral(interaction, text)
            else:
                await interaction.response.send_message(
                    text, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
            return
        status: QuestionStatus = "answered"
        if action is not None and action.value in ("hidden", "open"):
            status = "hidden" if action.value == "hidden" else "open"
        question = await apply_question_status(interaction, number, status)
        await send_ephemeral(interaction, self.service.status_text(question, locale))
