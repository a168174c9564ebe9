"""``ccei-bot``: run the bot, rehearse it offline, or check a config file."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from bot.timefmt import hhmm

if TYPE_CHECKING:
    from bot.config import Config

# discord.py, aiohttp and pydantic are imported where a command needs them: `--help` stays instant.

log = logging.getLogger("bot")

EXIT_OK = 0
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line instead of argparse's usage block.
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")


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


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("discord").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("googleapiclient.discovery_cache").setLevel(logging.ERROR)
    # APScheduler logs every job it runs at INFO: noise next to the bot's own log.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from bot.settings import Settings

    settings = Settings.from_env()
    config_path: Path = getattr(args, "config", None) or settings.config_path

    if args.command == "check-config":
        from bot.config import wall_time_warnings

        config = _load(config_path)
        sys.stdout.write("\n".join(agenda_lines(config)) + "\n")
        for warning in wall_time_warnings(config):
            sys.stderr.write(f"{config_path}: warning: {warning}\n")
        sys.stdout.write(f"{config_path}: OK\n")
        return EXIT_OK

    _configure_logging(args.verbose)
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
        settings = settings.model_copy(update={"config_path": config_path, "data_dir": data_dir})
        import aiohttp
        import discord

        from bot.lifecycle import build_services, run_until_stopped

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
            return 1

    config = _load(config_path)
    from bot.rehearsal.run import rehearse

    speed = getattr(args, "speed", 60.0)
    if speed <= 0:
        parser.error("--speed must be positive")
    return asyncio.run(rehearse(config, speed=speed, duration=getattr(args, "duration", None)))
