"""FAQ and viewer Q&A: ``/faq``, ``/ask`` with votes, auto-answer, ``/admin faq ...``, ``/admin questions``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.faq._admin import FaqAdminCog
from cogs.faq._cog import FaqCog, build_service

if TYPE_CHECKING:
    from bot.core import CompanionBot


async def setup(bot: CompanionBot) -> None:
    service = build_service(bot.services)
    # Viewer commands and moderator commands share one service; the core moves the moderator
    # cog's group under /admin (as /admin faq), beside the viewer /faq.
    await bot.add_cog(FaqAdminCog(bot, service))
    await bot.add_cog(FaqCog(bot, service))
