"""After the stream: session marks, chapters, ``/replay`` and the replay post, the organisers' report
(docs/recap.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import CompanionBot


async def setup(bot: CompanionBot) -> None:
    # Imported here so that importing the package (e.g. for its pure modules) needs no discord.
    from cogs.recap._admin import RecapAdminCog
    from cogs.recap._cog import RecapCog
    from cogs.recap._feature import RecapFeature

    feature = RecapFeature(bot)
    await bot.add_cog(RecapCog(feature))
    await bot.add_cog(RecapAdminCog(feature))
