"""The ccei-bot command line: exit codes and messages, and the README's promises."""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli import build_parser, log_level, main
from bot.ops.backup import run_backup
from bot.settings import Settings
from bot.store import Store

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DISCORD_TOKEN", "CCEI_CONFIG", "CCEI_DATA_DIR", "CCEI_HTTP_PORT"}
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd or ROOT,
        timeout=60,
        check=False,
    )


def test_check_config_prints_the_agenda_with_reminder_times(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "13:00-13:50  lecture" in out
    assert "16:00-16:30  networking" in out
    assert (
        "reminders: 12:30 (30m before), 12:50 (10m before, pings the reminder role), "
        "13:00 (at start)" in out
    )
    assert out.rstrip().endswith("event.toml: OK")


def test_check_config_names_file_key_and_problem(tmp_path: Path) -> None:
    text = (
        (ROOT / "config" / "event.toml")
        .read_text("utf-8")
        .replace('end = "13:50"', 'end = "12:50"')
    )
    (tmp_path / "event.toml").write_text(text, "utf-8")
    (tmp_path / "faq.toml").write_text("", "utf-8")
    result = run_cli("check-config", "--config", str(tmp_path / "event.toml"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'event.toml'}: program[0].end: end 12:50:00 must be after start 13:00:00"
    ]
    assert "Traceback" not in result.stderr


def test_run_without_token_exits_2_naming_the_variable(tmp_path: Path) -> None:
    result = run_cli("run", "--data-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0]
    assert "ccei-bot rehearse" in lines[0]


def test_usage_errors_are_one_line() -> None:
    for args in (["launch"], ["rehearse", "--speed", "fast"], ["run", "--nope"]):
        result = run_cli(*args)
        assert result.returncode == 2, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (args, lines)
        assert "--help" in lines[0]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```sh\n(.+?)\n```", readme)
    install_and_run, test_command = blocks[0], blocks[1]
    assert "ccei-bot" in install_and_run
    assert "pytest" in test_command
    ci_lines = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert test_command in ci_lines
    # The README opens with the two commands, before anything else of substance.
    assert readme.index(install_and_run) < readme.index(test_command) < readme.index("---")


def test_run_without_a_server_id_exits_2_naming_the_key(tmp_path: Path) -> None:
    result = run_cli("run", "--data-dir", str(tmp_path), env={"DISCORD_TOKEN": "x"}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "event.toml: discord.guild_id: set your server's id" in lines[0]


def test_run_when_discord_is_unreachable_says_so_in_one_line(tmp_path: Path) -> None:
    text = (
        (ROOT / "config" / "event.toml").read_text("utf-8").replace("guild_id = 0", "guild_id = 1")
    )
    (tmp_path / "event.toml").write_text(text, "utf-8")
    (tmp_path / "faq.toml").write_text("", "utf-8")
    # Nothing listens on this port: a closed loopback port answers at once, no network involved.
    result = run_cli(
        "run",
        "--config",
        str(tmp_path / "event.toml"),
        "--data-dir",
        str(tmp_path),
        env={"DISCORD_TOKEN": "x", "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10"},
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "cannot reach Discord at http://127.0.0.1:9/api/v10" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_with_an_unusable_data_dir_exits_1_in_one_line(tmp_path: Path) -> None:
    text = (
        (ROOT / "config" / "event.toml").read_text("utf-8").replace("guild_id = 0", "guild_id = 1")
    )
    (tmp_path / "event.toml").write_text(text, "utf-8")
    (tmp_path / "faq.toml").write_text("", "utf-8")
    (tmp_path / "blocker").write_text("a file where the data directory should go", "utf-8")
    result = run_cli(
        "run",
        "--config",
        str(tmp_path / "event.toml"),
        "--data-dir",
        str(tmp_path / "blocker" / "data"),
        env={"DISCORD_TOKEN": "x", "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10"},
        cwd=tmp_path,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        f"ccei-bot run: {tmp_path / 'blocker' / 'data'}: the data directory cannot be written"
    )


def test_backup_writes_a_copy_and_says_how_to_restore(tmp_path: Path) -> None:
    data = tmp_path / "data"
    err = io.StringIO()
    assert run_backup(data, tmp_path, out=io.StringIO(), err=err) == 1
    assert err.getvalue().splitlines() == [
        f"ccei-bot backup: {data / 'ccei.sqlite3'}: no database to back up "
        "(is CCEI_DATA_DIR / --data-dir right?)"
    ]

    async def make() -> None:
        store = await Store.open(data)
        await store.set_setting("marker", "kept")
        await store.close()

    asyncio.run(make())
    backups = tmp_path / "backups"
    backups.mkdir()
    result = run_cli("backup", str(backups), env={"CCEI_DATA_DIR": str(data)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [copy] = list(backups.iterdir())
    assert re.fullmatch(r"ccei-\d{8}-\d{6}\.sqlite3", copy.name)
    assert f"backed up {data / 'ccei.sqlite3'} to {copy}" in result.stdout
    assert "integrity ok" in result.stdout
    assert "to restore: stop the bot" in result.stdout
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT value FROM settings WHERE key = 'marker'").fetchone() == (
            '"kept"',
        )
    db.close()


def test_healthcheck_without_an_endpoint_says_how_to_turn_it_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CCEI_HTTP_PORT", raising=False)
    monkeypatch.delenv("CCEI_CONFIG", raising=False)
    with pytest.raises(SystemExit) as exited:
        main(["healthcheck"])
    assert exited.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "CCEI_HTTP_PORT" in lines[0]


def test_a_bad_environment_value_is_one_line_naming_the_variable() -> None:
    result = run_cli("check-config", env={"CCEI_HTTP_PORT": "abc"})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "ccei-bot: CCEI_HTTP_PORT: expected a whole number, got 'abc'"
    ]


def test_the_rehearsal_shows_warnings_only_unless_verbose() -> None:
    assert log_level("rehearse", verbose=False) == logging.WARNING
    assert log_level("rehearse", verbose=True) == logging.DEBUG
    assert log_level("run", verbose=False) == logging.INFO
    parsed = build_parser().parse_args(["rehearse", "--log-format", "json"])
    assert parsed.log_format == "json"


def test_help_and_check_config_do_not_load_discord() -> None:
    # Only `run` needs discord.py and aiohttp; --help needs not even the config (benchmarks/floor.py).
    probe = (
        "import contextlib, io, sys\n"
        "import bot.cli\n"
        "print(sorted(m for m in ('discord', 'aiohttp', 'bot.config') if m in sys.modules))\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = bot.cli.main(['check-config'])\n"
        "print(code, sorted(m for m in ('discord', 'aiohttp') if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "CCEI_CONFIG"}}
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert result.stdout.splitlines() == ["[]", "0 []"], result.stderr


def test_run_pauses_garbage_collection_only_while_it_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `run` pauses the collector for start-up (the lifecycle resumes it at READY); whatever way
    # it returns, the caller's collector is on again: here it stops early, without a token.
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(ROOT / "tests")  # no ./.env with a token
    seen: list[bool] = []
    real_from_env = Settings.from_env

    def spy(**options: Any) -> Settings:
        seen.append(gc.isenabled())
        return real_from_env(**options)

    monkeypatch.setattr(Settings, "from_env", spy)
    assert main(["run"]) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err
    assert seen == [False]
    assert gc.isenabled()
