"""The moderator console: ``/admin setup|status|announce|sync|reload|audit``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import CompanionBot


async def setup(bot: CompanionBot) -> None:
    # Imported here so that importing the package (e.g. for its pure modules) needs no discord.
    from cogs.admin._cog import AdminCog

    await bot.add_cog(AdminCog(bot))
