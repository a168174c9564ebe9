"""FAQ and viewer Q&A: ``/faq``, ``/ask`` with votes, auto-answer, ``/admin faq ...``, ``/admin questions``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.faq._admin import FaqAdminCog
from cogs.faq._cog import FaqCog, build_service

if TYPE_CHECKING:
    from bot.core import CompanionBot


async def setup(bot: CompanionBot) -> None:
    service = build_service(bot.services)
    # The moderator cog first: its group is also named "faq", and the core moves it under /admin
    # (removing the top-level name) only after adding it; the viewer /faq must come after that.
    await bot.add_cog(FaqAdminCog(bot, service))
    await bot.add_cog(FaqCog(bot, service))
