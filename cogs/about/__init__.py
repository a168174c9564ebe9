"""``/about``: what, when and where the event is, and where to watch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.about._cog import AboutCog

if TYPE_CHECKING:
    from bot.core import CompanionBot


async def setup(bot: CompanionBot) -> None:
    await bot.add_cog(AboutCog(bot.services))
