"""``ccei-bot``: run the bot, rehearse it offline, check a config file, check the real server and
key the night before (``preflight``), or back up the database."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import logging
import sys
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from bot.timefmt import hhmm

if TYPE_CHECKING:
    from bot.config import Config

# discord.py and aiohttp are imported where a command needs them: `--help` stays instant.

log = logging.getLogger("bot")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line instead of argparse's usage block.
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _add_log_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        help="log lines as readable text or one JSON object each "
        "(default: $CCEI_LOG_FORMAT, else text)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ccei-bot",
        description="Discord companion for a live-streamed event. Without a command: run the bot "
        "when DISCORD_TOKEN is set, otherwise the offline rehearsal.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    run = sub.add_parser("run", help="connect to Discord and run until SIGINT/SIGTERM")
    run.add_argument("--config", type=Path, help="event config (default: $CCEI_CONFIG)")
    run.add_argument("--data-dir", type=Path, help="state directory (default: $CCEI_DATA_DIR)")
    _add_log_format(run)

    check = sub.add_parser("check-config", help="validate a config file and print the agenda")
    check.add_argument("--config", type=Path, help="event config (default: $CCEI_CONFIG)")

    rehearse = sub.add_parser(
        "rehearse", help="run the real bot against the built-in local Discord stand-in"
    )
    rehearse.add_argument("--config", type=Path, help="event config (default: $CCEI_CONFIG)")
    rehearse.add_argument(
        "--speed",
        type=float,
        default=60.0,
        help="how many times faster than real time the day runs (default 60: 3.5 h in 3.5 min)",
    )
    rehearse.add_argument(
        "--duration",
        type=float,
        default=None,
        help="stop after this many real seconds (default: when the compressed day is over)",
    )
    _add_log_format(rehearse)

    preflight = sub.add_parser(
        "preflight",
        help="check the real Discord server and YouTube key for the day (posts nothing)",
    )
    preflight.add_argument("--config", type=Path, help="event config (default: $CCEI_CONFIG)")
    preflight.add_argument(
        "--data-dir", type=Path, help="state directory to check (default: $CCEI_DATA_DIR)"
    )

    health = sub.add_parser(
        "healthcheck",
        help="ask the running bot's /healthz (exit 0 healthy, 1 not); the container's HEALTHCHECK",
    )
    health.add_argument("--config", type=Path, help="event config (default: $CCEI_CONFIG)")
    health.add_argument("--url", help="default: http://127.0.0.1:<CCEI_HTTP_PORT>/healthz")

    backup = sub.add_parser(
        "backup", help="copy the database consistently, also while the bot runs"
    )
    backup.add_argument("path", type=Path, help="the copy to write (a file, or a directory)")
    backup.add_argument("--data-dir", type=Path, help="state directory (default: $CCEI_DATA_DIR)")
    return parser


def _load(path: Path) -> Config:
    from bot.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as error:
        for line in error.problems:
            sys.stderr.write(line + "\n")
        raise SystemExit(EXIT_USAGE) from None


def agenda_lines(config: Config) -> list[str]:
    from bot.config import format_duration

    tz = config.tz
    lines = [
        f"{config.event.name.ko} / {config.event.name.en}",
        f"{config.event.date.isoformat()} ({config.event.timezone}), {config.event.venue.ko}",
    ]
    for item in config.program:
        start, end = config.at(item.start), config.at(item.end)
        lines.append(f"  {hhmm(start, tz)}-{hhmm(end, tz)}  {item.id}: {item.title.ko}")
        # Subtract in UTC: on a DST day, 30 minutes before 03:10 is not 02:40 on the wall clock.
        times = []
        for offset in config.reminders.before:
            # Subtract in UTC: on a DST day, 30 minutes before 03:10 is not 02:40 on the wall clock.
            at = hhmm(start.astimezone(UTC) - offset, tz)
            when = f"{format_duration(offset)} before" if offset else "at start"
            ping = ", pings the reminder role" if config.reminders.pings_at(offset) else ""
            times.append(f"{at} ({when}{ping})")
        reminders = ", ".join(times)
        if reminders:
            lines.append(f"      reminders: {reminders}")
    return lines


def log_level(command: str, verbose: bool) -> int:
    """Everything with ``-v``; the rehearsal's transcript is what people read, so only warnings
    and errors come between its lines; ``run`` logs what it does (INFO)."""
    if verbose:
        return logging.DEBUG
    return logging.WARNING if command == "rehearse" else logging.INFO


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Start-up creates ~130k objects that live as long as the process; the collections their
    # allocation triggers (~10 % of start-up's CPU) would find no garbage among them. `run` pauses
    # collection until READY, when the lifecycle freezes them and turns it back on.
    paused = args.command in (None, "run") and gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _main(parser, args)
    finally:
        if paused:
            gc.enable()


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from bot.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        for line in error.problems:
            sys.stderr.write(f"{parser.prog}: {line}\n")
        return EXIT_USAGE
    config_path: Path = getattr(args, "config", None) or settings.config_path

    if args.command == "check-config":
        from bot.config import wall_time_warnings

        config = _load(config_path)
        sys.stdout.write("\n".join(agenda_lines(config)) + "\n")
        for warning in wall_time_warnings(config):
            sys.stderr.write(f"{config_path}: warning: {warning}\n")
        sys.stdout.write(f"{config_path}: OK\n")
        return EXIT_OK

    if args.command == "healthcheck":
        from bot.ops.health import http_endpoint
        from bot.ops.healthcheck import local_url, probe

        url = args.url
        if not url:
            endpoint = http_endpoint(_load(config_path), settings)
            if endpoint is None:
                parser.error("the health endpoint is off: set CCEI_HTTP_PORT or [ops] http_port")
            url = local_url(*endpoint)
        code, line = probe(url)
        sys.stdout.write(line + "\n")
        return code

    if args.command == "backup":
        from bot.ops.backup import run_backup

        data_dir = args.data_dir or settings.data_dir
        return run_backup(data_dir, args.path, out=sys.stdout, err=sys.stderr)

    if args.command == "preflight":
        from bot.ops.preflight import run_preflight

        config = _load(config_path)
        data_dir = args.data_dir or settings.data_dir
        return asyncio.run(run_preflight(config, settings, data_dir=data_dir, out=sys.stdout))

    command = args.command
    if command is None:
        if settings.discord_token:
            command = "run"
        else:
            sys.stderr.write(
                "DISCORD_TOKEN is not set: starting the offline rehearsal instead "
                "(ccei-bot rehearse). Set DISCORD_TOKEN (environment or .env) to run for real.\n"
            )
            command = "rehearse"
            gc.enable()

    from bot.ops.logs import configure_logging

    log_format = getattr(args, "log_format", None) or settings.log_format
    verbose = bool(args.verbose)
    configure_logging(level=log_level(command, verbose), log_format=log_format, verbose=verbose)

    if command == "run":
        if not settings.discord_token:
            sys.stderr.write(
                "ccei-bot run: DISCORD_TOKEN is not set (environment or ./.env); "
                "to try the bot without a token use 'ccei-bot rehearse'\n"
            )
            return EXIT_USAGE
        config = _load(config_path)
        if not config.discord.guild_id:
            sys.stderr.write(
                f"ccei-bot run: {config_path}: discord.guild_id: set your server's id (Discord: "
                "Developer Mode on, right-click the server, Copy Server ID)\n"
            )
            return EXIT_USAGE
        data_dir = getattr(args, "data_dir", None) or settings.data_dir
        # /admin reload re-reads the file the bot was started with, and state stays where it is.
        settings = dataclasses.replace(settings, config_path=config_path, data_dir=data_dir)
        import aiohttp
        import discord

        from bot.lifecycle import build_services, run_until_stopped
        from bot.store import StorageError

        async def _run() -> int:
            services = await build_services(config, settings, data_dir=data_dir)
            return await run_until_stopped(services, settings.discord_token.get_secret_value())

        try:
            return asyncio.run(_run())
        except discord.LoginFailure:
            sys.stderr.write(
                "ccei-bot run: Discord rejected DISCORD_TOKEN (401 Unauthorized); "
                "copy the bot token again from the Developer Portal\n"
            )
            return EXIT_USAGE
        except (aiohttp.ClientConnectionError, TimeoutError) as error:
            sys.stderr.write(
                f"ccei-bot run: cannot reach Discord at {settings.discord_api_base} "
                f"({type(error).__name__}); check DISCORD_API_BASE and the network\n"
            )
            return EXIT_FAILED
        except StorageError as error:
            sys.stderr.write(f"ccei-bot run: {error}\n")
            return EXIT_FAILED

    config = _load(config_path)
    from bot.rehearsal.run import rehearse

    speed = getattr(args, "speed", 60.0)
    if speed <= 0:
        parser.error("--speed must be positive")
    return asyncio.run(rehearse(config, speed=speed, duration=getattr(args, "duration", None)))
