"""The moderator console: ``/admin setup|status|announce|sync|reload|audit``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.admin._cog import AdminCog

if TYPE_CHECKING:
    from bot.core import CompanionBot


async def setup(bot: CompanionBot) -> None:
    await bot.add_cog(AdminCog(bot))
