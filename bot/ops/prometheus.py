"""The counting :class:`~bot.ops.metrics.Metrics`: prometheus-client on a registry of its own.

One registry per bot (tests run many bots in one process; the global registry would mix them).
Events are counted as they happen; states (gateway, scheduler, database, YouTube) are read at
each scrape by a collector, so they are never stale. Imported only when the endpoint is on.
Labels are low-cardinality: command names and outcomes, never user ids.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING

import aiohttp
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from bot.ops.metrics import FaqReplyKind, FaqVia, InteractionOutcome, MessageKind, Metrics

if TYPE_CHECKING:
    from bot.core import CompanionBot

#: Discord gives an interaction 3 s for its first answer: buckets around that.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
_FAQ_OUTCOMES: dict[FaqReplyKind, str] = {
    "confident": "answered",
    "weak": "suggested",
    "none": "unanswered",
}
_POSTS = (
    (re.compile(r"/channels/\d+/messages$"), "channel"),
    (re.compile(r"/webhooks/\d+/[^/]+$"), "followup"),
)


class PrometheusMetrics(Metrics):
    def __init__(self) -> None:
        # The *_created timestamp series only clutter the text format (process-wide switch).
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._interactions = Counter(
            "ccei_interactions",
            "Application commands handled, by command and outcome (ok, refused, error).",
            ["command", "outcome"],
            registry=r,
        )
        self._latency = Histogram(
            "ccei_interaction_duration_seconds",
            "Time from receiving a command to finishing it (answer sent or error handled).",
            ["command"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._messages = Counter(
            "ccei_messages_posted",
            "Messages Discord accepted from the bot: channel posts and interaction follow-ups.",
            ["kind"],
            registry=r,
        )
        self._reminders_sent = Counter(
            "ccei_reminders_sent", "Program reminders posted (late ones included).", registry=r
        )
        self._reminders_late = Counter(
            "ccei_reminders_late",
            "Program reminders posted after their due time (within the grace).",
            registry=r,
        )
        self._duplicates = Counter(
            "ccei_reminder_duplicates_suppressed",
            "Reminders found already posted (after a crash or a retry) and not posted again.",
            registry=r,
        )
        self._faq = Counter(
            "ccei_faq_replies",
            "FAQ replies by outcome (answered, suggested, unanswered) and way (command, auto).",
            ["outcome", "via"],
            registry=r,
        )
        for outcome in _FAQ_OUTCOMES.values():
            self._faq.labels(outcome=outcome, via="command")
        for kind in ("channel", "followup"):
            self._messages.labels(kind=kind)

    # -- events ---------------------------------------------------------------------------------

    def interaction(self, command: str, outcome: InteractionOutcome, seconds: float) -> None:
        self._interactions.labels(command=command, outcome=outcome).inc()
        self._latency.labels(command=command).observe(max(0.0, seconds))

    def message_posted(self, kind: MessageKind) -> None:
        self._messages.labels(kind=kind).inc()

    def reminder_sent(self, *, late: bool) -> None:
        self._reminders_sent.inc()
        if late:
            self._reminders_late.inc()

    def reminder_duplicate_suppressed(self) -> None:
        self._duplicates.inc()

    def faq_reply(self, kind: FaqReplyKind, *, via: FaqVia = "command") -> None:
        self._faq.labels(outcome=_FAQ_OUTCOMES[kind], via=via).inc()

    def http_trace(self) -> aiohttp.TraceConfig:
        trace = aiohttp.TraceConfig()
        trace.on_request_end.append(self._on_request_end)
        return trace

    async def _on_request_end(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        if params.method != "POST" or not 200 <= params.response.status < 300:
            return
        path = params.url.path
        for pattern, kind in _POSTS:
            if pattern.search(path):
                self._messages.labels(kind=kind).inc()
                return

    # -- states, read at each scrape --------------------------------------------------------------

    def observe(self, bot: CompanionBot) -> None:
        self.registry.register(_StateCollector(bot))

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_PLAIN_0_0_4


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class _StateCollector:
    def __init__(self, bot: CompanionBot) -> None:
        self._bot = bot

    def describe(self) -> list[Metric]:
        return []  # states come and go (no relay, no latency yet): nothing to declare up front

    def collect(self) -> Iterator[Metric]:
        bot = self._bot
        gateway, services = bot.gateway_watch, bot.services
        now = services.clock.now()
        yield _gauge(
            "ccei_gateway_connected", "1 while the gateway session is up.", gateway.connected
        )
        latency = bot.latency
        if latency is not None and math.isfinite(latency):
            yield _gauge(
                "ccei_gateway_latency_seconds", "Heartbeat round trip of the gateway.", latency
            )
        down = gateway.down_for(now)
        yield _gauge(
            "ccei_gateway_disconnected_seconds",
            "How long the gateway has been down (0 while connected).",
            0.0 if down is None else down.total_seconds(),
        )
        yield _counter(
            "ccei_gateway_reconnects",
            "Gateway sessions re-established after a drop.",
            gateway.reconnects,
        )
        yield _counter(
            "ccei_gateway_resumes", "Reconnects that resumed the session.", gateway.resumes
        )
        yield _gauge(
            "ccei_scheduler_running",
            "1 while the reminder scheduler runs.",
            services.scheduler_running,
        )
        yield _gauge(
            "ccei_database_writable",
            "1 when the last write probe succeeded.",
            bot.storage_watch.problem is None,
        )
        source = services.youtube_status
        if source is None:
            return
        status = source.status()
        usage = source.ledger.usage()
        calls = GaugeMetricFamily(
            "ccei_youtube_calls_today",
            "YouTube Data API requests in the current quota day (resets at midnight Pacific).",
            labels=["outcome"],
        )
        calls.add_metric(["ok"], usage.calls - usage.failures)
        calls.add_metric(["failed"], usage.failures)
        yield calls
        yield _gauge(
            "ccei_youtube_units_used_today",
            "Quota units spent in the current quota day.",
            status.units_used,
        )
        yield _gauge(
            "ccei_youtube_units_left_today", "Quota units left until the reset.", status.units_left
        )
        state = GaugeMetricFamily(
            "ccei_live_relay_state",
            "The live relay's mode (1 for the current one).",
            labels=["state"],
        )
        state.add_metric([status.mode], 1)
        yield state
        yield _gauge("ccei_live_streams", "Streams live right now.", len(status.live))
        if status.last_success is not None:
            yield _gauge(
                "ccei_youtube_last_success_age_seconds",
                "Seconds since the last successful YouTube API call.",
                (now - status.last_success).total_seconds(),
            )


def _counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, value=value)
