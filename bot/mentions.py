"""Allowed-mentions policies: every message the bot sends names one of these explicitly."""

from __future__ import annotations

import discord

#: Pings nobody: the client default and the choice for anything that echoes user or config text.
NO_MENTIONS = discord.AllowedMentions.none()


def only_role(role_id: int) -> discord.AllowedMentions:
    """Pings exactly one role (the opt-in reminder role) and nothing else."""
    if role_id <= 0:
        return NO_MENTIONS
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(id=role_id)], replied_user=False
    )
