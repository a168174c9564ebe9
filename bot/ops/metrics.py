"""What the bot counts, as a small typed API on ``services.metrics``.

Features call it with one line where something happens (``services.metrics.reminder_sent(late=...)``).
This base class counts nothing: it is what runs when the endpoint is off, so counting costs nothing
and prometheus-client is never imported. :class:`bot.ops.prometheus.PrometheusMetrics` counts for
``/metrics``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import aiohttp

    from bot.core import CompanionBot

#: "refused": the user was told why (bad input, not a moderator, cooldown); "error": a bug, logged
#: with an error id.
InteractionOutcome = Literal["ok", "refused", "error"]
#: The FAQ's answer kinds: a clear answer, "did you mean" choices, no match.
FaqReplyKind = Literal["confident", "weak", "none"]
FaqVia = Literal["command", "auto"]
#: A channel message (reminders, live posts, notices, DMs) or an interaction follow-up.
MessageKind = Literal["channel", "followup"]


class Metrics:
    """The no-op counters (endpoint off)."""

    def interaction(self, command: str, outcome: InteractionOutcome, seconds: float) -> None:
        """An application command finished (or was refused, or failed) after ``seconds``."""

    def message_posted(self, kind: MessageKind) -> None:
        """Discord accepted a message the bot posted."""

    def reminder_sent(self, *, late: bool) -> None:
        """A program reminder was posted; ``late`` when it went out after its due time."""

    def reminder_duplicate_suppressed(self) -> None:
        """A reminder that was already posted was about to go out again and did not."""

    def faq_reply(self, kind: FaqReplyKind, *, via: FaqVia = "command") -> None:
        """The FAQ answered (confident), suggested (weak) or found nothing (none)."""

    def http_trace(self) -> aiohttp.TraceConfig | None:
        """Hooks for discord.py's HTTP client (counts posted messages); None when not counting."""
        return None

    def observe(self, bot: CompanionBot) -> None:
        """Read the bot's states at each scrape (gateway, database, scheduler, YouTube)."""

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return b"", "text/plain; charset=utf-8"
