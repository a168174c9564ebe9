"""The error types features raise. The command tree's handler (bot/tree.py) turns them into replies.

Features raise :class:`UserError` (a catalog key plus values); the tree answers the user ephemerally in
their language. Anything else is a bug: the user gets a short error id and the log gets the traceback.
This module imports no other module of the bot, so any module may raise these.
"""

from __future__ import annotations

from typing import Any

from discord import app_commands


class UserError(app_commands.AppCommandError):
    """An error the user can act on, shown in their language."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class NotModerator(app_commands.CheckFailure):
    """The user lacks Manage Server and the moderator role."""


class WrongGuild(app_commands.CheckFailure):
    """An admin command used in a server that does not run this event."""


class ComponentFailed(app_commands.AppCommandError):
    """An unexpected error in a button or form, carried to the tree's handler (which logs an id)."""

    def __init__(self, original: Exception) -> None:
        super().__init__(repr(original))
        self.original = original
