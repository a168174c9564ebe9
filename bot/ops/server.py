"""``GET /healthz`` and ``GET /metrics`` served from the bot's own event loop (aiohttp's web server).

Imported only when the endpoint is on. Neither answer carries a secret: the health body is built
from states and numbers, the metrics from counters with command names as labels.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.ops.health import HealthReadings, HealthReport, assess, next_reminder

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)


async def health_report(bot: CompanionBot) -> HealthReport:
    """Read everything ``/healthz`` judges (the database with a fresh write probe)."""
    services = bot.services
    problem = await bot.storage_watch.check()
    now = services.clock.now()
    youtube = services.youtube_status.status() if services.youtube_status is not None else None
    try:
        sessions = await services.program.sessions()
    except Exception:
        log.exception("health: the program source failed")
        sessions = ()
    readings = HealthReadings(
        now=now,
        started_at=bot.started_at,
        version=bot.version,
        gateway_connected=bot.gateway_watch.connected,
        gateway_down_for=bot.gateway_watch.down_for(now),
        gateway_latency=bot.latency,
        reconnects=bot.gateway_watch.reconnects,
        resumes=bot.gateway_watch.resumes,
        scheduler_running=services.scheduler_running,
        database_error=None if problem is None else problem.detail,
        youtube_mode=None if youtube is None else youtube.mode,
        youtube_last_success=None if youtube is None else youtube.last_success,
        next_reminder=next_reminder(sessions, services.config.reminders.before, now),
        starting=not bot.gateway_watch.ever_connected,
    )
    return assess(readings)


class OpsServer:
    def __init__(self, bot: CompanionBot, host: str, port: int) -> None:
        self._bot = bot
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("health and metrics on http://%s:%s (/healthz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        report = await health_report(self._bot)
        if not report.healthy:
            log.warning("health check: %s", "; ".join(report.problems))
        return web.Response(
            text=json.dumps(report.body, ensure_ascii=False),
            status=report.status_code,
            content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        body, content_type = self._bot.services.metrics.render()
        return web.Response(body=body, headers={"Content-Type": content_type})
