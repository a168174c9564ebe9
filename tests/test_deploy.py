"""What the Dockerfile, compose.yaml and the systemd unit promise, checked without Docker or systemd:
the commands they run exist in the installed package, the ports agree, the data lives in one place."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import re
import tomllib
from pathlib import Path

import yaml

from bot.cli import build_parser
from bot.config import OpsSection

ROOT = Path(__file__).resolve().parents[1]


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", path.read_text("utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def values(found: list[tuple[str, str]], keyword: str) -> list[str]:
    return [rest for key, rest in found if key == keyword]


def env_of(found: list[tuple[str, str]]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for rest in values(found, "ENV"):
        pairs.update(dict(re.findall(r"(\w+)=(\S+)", rest)))
    return pairs


DOCKERFILE = instructions(ROOT / "Dockerfile")


def test_the_image_is_multi_stage_slim_python_311_plus_installing_the_project() -> None:
    bases = values(DOCKERFILE, "FROM")
    assert len(bases) >= 2
    for base in bases:
        match = re.match(r"python:3\.(\d+)-slim\b", base)
        assert match, base
        assert int(match.group(1)) >= 11
    installs = " ".join(values(DOCKERFILE, "RUN"))
    assert re.search(
        r"pip install \.(\s|$)", installs
    )  # from pyproject.toml, not a requirements copy
    copied = " ".join(values(DOCKERFILE, "COPY"))
    for needed in ("pyproject.toml", "README.md", "bot", "cogs", "config"):
        assert needed in copied


def test_the_entry_point_exists_in_the_installed_package() -> None:
    [entrypoint] = values(DOCKERFILE, "ENTRYPOINT")
    [command] = values(DOCKERFILE, "CMD")
    program = json.loads(entrypoint)
    assert program == ["ccei-bot"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["scripts"]["ccei-bot"] == "bot.cli:main"
    [script] = [
        ep
        for ep in importlib.metadata.distribution("ccei-companion").entry_points
        if ep.group == "console_scripts" and ep.name == "ccei-bot"
    ]
    assert script.value == "bot.cli:main"
    assert callable(script.load())
    # The default command is a real subcommand.
    assert build_parser().parse_args(json.loads(command)).command == "run"


def test_the_health_check_command_exists_and_uses_the_exposed_port() -> None:
    [health] = values(DOCKERFILE, "HEALTHCHECK")
    command = json.loads(health.split("CMD", 1)[1].strip())
    assert command[:2] == ["python", "-m"]
    module = importlib.import_module(command[2])
    assert callable(module.main)
    assert importlib.util.find_spec(command[2]) is not None
    env = env_of(DOCKERFILE)
    [exposed] = values(DOCKERFILE, "EXPOSE")
    assert exposed == env["CCEI_HTTP_PORT"] == "8080"
    # The config keeps the endpoint off unless asked: the image is what turns it on.
    assert OpsSection().http_port == 0


def test_the_image_runs_unprivileged_with_its_state_in_the_volume() -> None:
    [user] = values(DOCKERFILE, "USER")
    assert user not in ("root", "0")
    assert values(DOCKERFILE, "STOPSIGNAL") == ["SIGTERM"]
    assert json.loads(values(DOCKERFILE, "VOLUME")[0]) == ["/data"]
    assert env_of(DOCKERFILE)["CCEI_DATA_DIR"] == "/data"


def test_compose_restarts_keeps_the_volume_and_checks_health_like_the_image() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))
    [service] = compose["services"].values()
    assert service["restart"] == "unless-stopped"
    assert service["env_file"]
    assert any(volume.endswith(":/data") for volume in service["volumes"])
    [health] = values(DOCKERFILE, "HEALTHCHECK")
    assert service["healthcheck"]["test"] == ["CMD", *json.loads(health.split("CMD", 1)[1])]
    assert any(port.endswith(":8080") for port in service["ports"])


def unit_settings(path: Path) -> dict[str, list[str]]:
    """``Key=value`` lines of a unit file (keys may repeat, like Environment=)."""
    found: dict[str, list[str]] = {}
    for line in path.read_text("utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_systemd_unit_restarts_hardened_as_its_own_user() -> None:
    unit = unit_settings(ROOT / "deploy" / "ccei-bot.service")
    assert unit["Restart"] == ["always"]
    assert unit["EnvironmentFile"] == ["/etc/ccei-bot/env"]
    assert unit["User"] == ["ccei"]
    assert unit["StateDirectory"] == ["ccei-bot"]
    assert "CCEI_DATA_DIR=/var/lib/ccei-bot" in unit["Environment"]
    assert unit["ExecStart"][0].endswith("/bin/ccei-bot run")
    assert unit["NoNewPrivileges"] == ["true"]
    assert unit["ProtectSystem"] == ["strict"]
