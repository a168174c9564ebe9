"""FAQ and viewer Q&A: ``/faq``, ``/ask`` with votes, auto-answer, ``/admin faq ...``, ``/admin questions``
(docs/faq.md).

Only ``setup`` lives here, importing the cogs when the bot loads the feature: importing the package
(or its pure modules, such as the matcher) does not import discord.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import CompanionBot


async def setup(bot: CompanionBot) -> None:
    from cogs.faq._admin import FaqAdminCog
    from cogs.faq._cog import FaqCog
    from cogs.faq._feature import FaqFeature

    feature = FaqFeature(bot)
    # The moderator cog comes first: the core moves its group (also called "faq") under /admin
    # after adding it, so the viewer /faq must be added second.
    await bot.add_cog(FaqAdminCog(feature))
    await bot.add_cog(FaqCog(feature))
