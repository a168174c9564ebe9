"""The running FAQ feature: one service wired to the bot, shared by the viewer and moderator cogs.

Owns the feature's lifecycle: load the entries (config ⊕ moderators' stored changes), register the
restart-safe buttons, report in ``/admin status``, answer for the day's questions
(``services.question_records``), follow a config reload, and withdraw on unload.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.config import Config

from ._admin_views import MarkButton
from ._service import FaqService
from ._store import FaqStore
from ._views import PickButton, VoteButton

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

FEATURE = "faq"
"""The FAQ's name in ``services.status_sources``."""


class FaqFeature:
    def __init__(self, bot: CompanionBot) -> None:
        services = bot.services
        self.bot = bot
        self.service = FaqService(
            services.config,
            FaqStore(services.store),
            services.clock,
            services.t,
            # After /admin delay when the schedule feature runs, else the config's times.
            program_times=services.program_times,
            replay_link=self.replay_link,
        )

    async def replay_link(self) -> str | None:
        """The recording's link once the live feature has it ready (None before, or without it)."""
        source = self.bot.services.stream_records
        if source is None:
            return None
        try:
            record = await source.stream_record()
        except Exception:
            # An answer never fails for it: the stream link stands in.
            log.exception("FAQ: reading the stream record failed")
            return None
        return record.replay_link if record is not None else None

    async def start(self) -> None:
        await self.service.load()
        self.bot.add_dynamic_items(PickButton, VoteButton, MarkButton)
        # The buttons are built by discord.py from their custom ids: they find the service here.
        self.bot.services.provide(FaqService, self.service)
        self.bot.services.status_sources[FEATURE] = self.service
        self.bot.services.question_records = self.service

    async def stop(self) -> None:
        if self.bot.services.question_records is self.service:
            self.bot.services.question_records = None
        self.bot.services.status_sources.pop(FEATURE, None)
        self.bot.services.withdraw(FaqService)
        self.bot.remove_dynamic_items(PickButton, VoteButton, MarkButton)
        # The uses counted since the last write: a clean shutdown loses none.
        await self.service.usage.close()

    async def reconfigure(self, config: Config) -> None:
        """A reloaded config: new entries, synonyms and auto-answer settings."""
        self.service.reconfigure(config)
        await self.service.load()
