"""``ccei-bot run`` as a real process against the stand-in: READY, sync, /about, clean SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from tests.bot.ops.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def config_for(standin: DiscordStandIn, directory: Path) -> Path:
    """The shipped event config, naming the stand-in's server (``run`` requires a server id)."""
    text = (ROOT / "config" / "event.toml").read_text("utf-8")
    text = text.replace("guild_id = 0", f"guild_id = {standin.guild_id}", 1)
    (directory / "event.toml").write_text(text, "utf-8")
    (directory / "faq.toml").write_text((ROOT / "config" / "faq.toml").read_text("utf-8"), "utf-8")
    return directory / "event.toml"


async def test_run_reaches_ready_answers_and_stops_cleanly_on_sigterm(
    standin: DiscordStandIn, tmp_path: Path
) -> None:
    """Also what the container does: the endpoint on through CCEI_HTTP_PORT, JSON log lines, and
    its HEALTHCHECK command (``python -m bot.ops.healthcheck``) run beside the bot."""
    port = free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DISCORD_", "CCEI_", "YOUTUBE_"))
        },
        "DISCORD_TOKEN": standin.token,
        "DISCORD_API_BASE": standin.rest_base,
        "DISCORD_GATEWAY_URL": standin.gateway_url,
        "CCEI_CONFIG": str(config_for(standin, tmp_path)),
        "TZ": "America/New_York",  # nothing may depend on the machine's zone
        "CCEI_HTTP_PORT": str(port),
        "CCEI_LOG_FORMAT": "json",
    }
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--data-dir",
            str(tmp_path / "data"),
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            await standin.wait_for_request(
                "PUT", "/applications/{application_id}/commands", timeout=30
            )
            await standin.wait_until_identified(timeout=30)
            handle = await standin.slash("member", name="about", locale="en-US")
            reply = await handle.response(timeout=10)
            assert "2022 CCEI Joint Open Innovation" in message_text(reply["data"])
            check = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.ops.healthcheck",
                cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            answer, _ = await asyncio.wait_for(check.communicate(), timeout=30)
            assert (check.returncode, answer.decode().strip()) == (0, "ok")

            process.send_signal(signal.SIGTERM)
            # A hang guard, not a speed check: benchmarks/lifecycle.py measures how long it takes.
            code = await asyncio.wait_for(process.wait(), timeout=15)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    output = log_path.read_text("utf-8", errors="replace")
    assert code == 0, output
    entries = [json.loads(line) for line in output.splitlines()]  # one JSON object per line
    messages = [entry["message"] for entry in entries]
    assert f"health and metrics on http://127.0.0.1:{port} (/healthz, /metrics)" in messages
    assert "shut down cleanly" in messages
    assert "Traceback" not in output
    assert standin.token not in output


async def test_run_with_a_rejected_token_exits_2_in_one_line(
    standin: DiscordStandIn, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DISCORD_TOKEN": "not-the-right-token",
        "DISCORD_API_BASE": standin.rest_base,
        "DISCORD_GATEWAY_URL": standin.gateway_url,
        "CCEI_CONFIG": str(config_for(standin, tmp_path)),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--data-dir", str(tmp_path / "data"),
        cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert lines[-1].startswith("ccei-bot run: Discord rejected DISCORD_TOKEN")
    assert "Traceback" not in stderr.decode()
    assert "not-the-right-token" not in stderr.decode()
