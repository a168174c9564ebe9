"""Discord's error answers, raised inside request handlers and turned into JSON by `rest`."""

from __future__ import annotations

from typing import Any


class DiscordError(Exception):
    """An error response: HTTP status, Discord JSON error code and message."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def missing_permissions() -> DiscordError:
    return DiscordError(403, 50013, "Missing Permissions")


def missing_access() -> DiscordError:
    return DiscordError(403, 50001, "Missing Access")


def cannot_dm() -> DiscordError:
    return DiscordError(403, 50007, "Cannot send messages to this user")


def unknown(what: str, code: int) -> DiscordError:
    return DiscordError(404, code, f"Unknown {what}")


UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_ROLE = 10011
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_COMMAND = 10063
UNKNOWN_INTERACTION = 10062
UNKNOWN_EVENT = 10070


def invalid_form_body(errors: dict[str, Any]) -> DiscordError:
    """400 code 50035 with Discord's nested `errors` object."""
    return DiscordError(400, 50035, "Invalid Form Body", errors)


def field_error(path: str, code: str, message: str) -> dict[str, Any]:
    """Nest one error under a dotted path: "embeds.0.title" -> {"embeds": {"0": {"title": ...}}}."""
    node: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        node = {part: node}
    return node


def merge_errors(errors: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}

    def merge(into: dict[str, Any], other: dict[str, Any]) -> None:
        for key, value in other.items():
            if key in into and isinstance(into[key], dict) and isinstance(value, dict):
                merge(into[key], value)
            elif key == "_errors" and key in into:
                into[key].extend(value)
            else:
                into[key] = value

    for error in errors:
        merge(merged, error)
    return merged
