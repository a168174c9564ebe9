"""Checking recorded stand-in traffic against Discord's published OpenAPI 3.1 spec.

The spec is not vendored: it is read from `$DISCORD_OPENAPI_SPEC` or
`<repo root>/../shared/discord-api-spec/openapi.json`; without it `load_validator()` is None.
Both what discord.py sent (method, path, query, JSON body or multipart `payload_json`) and what
the stand-in answered are validated with openapi-core.

Cost (measured on the dev container): openapi-core by default validates the spec document itself
on load, about 4.5 s for Discord's 1.2 MB file; it is Discord's published spec, so that step is
skipped and `load_validator()` takes ~10 ms (plus ~0.2 s to import openapi-core) once per process.
Checking a request and its answer takes ~3 ms warm, ~20 ms the first time an operation is seen.

The spec is looser than Discord in places and stricter in a few; `KNOWN_DEVIATIONS` lists each
case where discord.py (or a real Discord answer the stand-in mimics) legitimately differs.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.rehearsal.discord_standin.recording import RecordedRequest

log = logging.getLogger(__name__)

SPEC_ENV = "DISCORD_OPENAPI_SPEC"
_HOST = "https://discord.com"
_PREFIX = "/api/v10"


@dataclass(frozen=True)
class Deviation:
    """A documented difference between the spec and legitimate traffic: problems matching all
    of method, route and the message pattern are dropped."""

    method: str
    route: str
    pattern: str
    reason: str

    def matches(self, request: RecordedRequest, problem: str) -> bool:
        return (
            self.method in (request.method, "*")
            and self.route in (request.route, "*")
            and re.search(self.pattern, problem) is not None
        )


KNOWN_DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "*",
        "*",
        r"^response: .* at errors/.*/_errors/\d+/code: '[A-Z_0-9]+' is not of type 'integer'",
        "Discord's Invalid Form Body errors carry string codes such as BASE_TYPE_MAX_LENGTH; the "
        "spec's InnerErrors says integer.",
    ),
    Deviation(
        "*",
        "*",
        r"^response: ResponseNotFound: Unknown response http status: 5\d\d",
        "The spec documents no 5xx answers; the stand-in sends them only when a test injects a "
        "fault with fail_next().",
    ),
)

# discord.py sends booleans in query strings as 1/0 (wait=1, with_response=1, with_counts=1);
# Discord accepts them, the spec's boolean parameters only take true/false.
_BOOLEAN_QUERY_PARAMS = {
    "wait",
    "with_response",
    "with_components",
    "with_counts",
    "with_user_count",
}


def spec_path() -> Path | None:
    configured = os.environ.get(SPEC_ENV)
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    repo_root = Path(__file__).resolve().parents[1]
    candidate = repo_root.parent / "shared" / "discord-api-spec" / "openapi.json"
    return candidate if candidate.is_file() else None


class Validator:
    def __init__(self, spec: dict[str, Any], source: Path) -> None:
        from openapi_core import Config, OpenAPI
        from openapi_core.validation.response.validators import V31ResponseDataValidator

        self.source = source
        # Skip validating the spec document itself (Discord's, ~4.5 s) and response headers
        # (the stand-in's rate-limit headers are fixed; resolving their schemas doubles the cost).
        config = Config(spec_validator_cls=None, response_validator_cls=V31ResponseDataValidator)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._openapi = OpenAPI.from_dict(spec, config=config)

    def validate(self, request: RecordedRequest, *, check_request: bool = True) -> list[str]:
        """Problems with one recorded request and the stand-in's answer to it (empty = fine).

        `check_request=False` checks only the answer: for requests a test sent malformed on
        purpose (the stand-in rejected them with 400, as Discord would).
        """
        from openapi_core.exceptions import OpenAPIError
        from openapi_core.testing import MockRequest, MockResponse

        if request.route == "<unknown>":
            return [f"{request.method} {request.path}: the stand-in has no such route"]
        query = {
            k: ({"1": "true", "0": "false"}.get(v, v) if k in _BOOLEAN_QUERY_PARAMS else v)
            for k, v in request.query.items()
        }
        headers = {k: v for k, v in request.headers.items() if k.lower() == "authorization"}
        sent = snowflakes_as_strings(request.json)
        body = None if sent is None else json.dumps(sent).encode()
        mock_request = MockRequest(
            _HOST,
            request.method,
            _PREFIX + request.path,
            args=query,
            headers=headers,
            data=body,
            content_type="application/json",
        )
        problems: list[str] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                if check_request:
                    self._openapi.validate_request(mock_request)
            except OpenAPIError as exc:
                problems.append(f"request: {_describe(exc)}")
            if request.status == 0:
                # A fault lost the request before it was handled: there is no answer to check.
                return [f"{request.method} {request.route}: {p}" for p in problems]
            response_body = (
                b"" if request.response is None else json.dumps(request.response).encode()
            )
            mock_response = MockResponse(
                response_body,
                status_code=request.status,
                content_type="application/json" if request.response is not None else "",
            )
            try:
                self._openapi.validate_response(mock_request, mock_response)
            except OpenAPIError as exc:
                problems.append(f"response: {_describe(exc)} (status {request.status})")
        kept = [p for p in problems if not any(d.matches(request, p) for d in KNOWN_DEVIATIONS)]
        return [f"{request.method} {request.route}: {p}" for p in kept]

    def validate_all(self, requests: Iterable[RecordedRequest]) -> list[str]:
        return [problem for request in requests for problem in self.validate(request)]


def snowflakes_as_strings(body: Any) -> Any:
    """``body`` with the snowflakes discord.py sends as JSON integers turned into strings.

    A known deviation: discord.py sends DM ``recipient_id``, the index ids of new attachments,
    ``message_reference`` ids, ``allowed_mentions`` role/user ids and bulk-delete message ids as
    integers; Discord accepts them, the spec's SnowflakeType only allows strings. Normalising them
    (rather than forgiving error messages) keeps everything else in the body validated, including
    inside interaction callbacks' ``data``, whose ``oneOf`` schemas report errors at the root.
    """
    if not isinstance(body, dict):
        return body

    def text(value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    fixed = dict(body)
    if "recipient_id" in fixed:
        fixed["recipient_id"] = text(fixed["recipient_id"])
    if isinstance(fixed.get("messages"), list):
        fixed["messages"] = [text(m) for m in fixed["messages"]]
    if isinstance(fixed.get("attachments"), list):
        fixed["attachments"] = [
            {**a, "id": text(a.get("id"))} if isinstance(a, dict) and "id" in a else a
            for a in fixed["attachments"]
        ]
    reference = fixed.get("message_reference")
    if isinstance(reference, dict):
        fixed["message_reference"] = {
            k: text(v) if k.endswith("_id") else v for k, v in reference.items()
        }
    mentions = fixed.get("allowed_mentions")
    if isinstance(mentions, dict):
        fixed["allowed_mentions"] = {
            k: [text(i) for i in v] if k in ("roles", "users") and isinstance(v, list) else v
            for k, v in mentions.items()
        }
    if isinstance(fixed.get("data"), dict):
        fixed["data"] = snowflakes_as_strings(fixed["data"])
    return fixed


def _describe(exc: Exception) -> str:
    """The exception type, then each schema error's path and message (or the causes' text)."""
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped]

    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None:
        chain.append(cause)
        cause = cause.__cause__
    lines: list[str] = []
    for link in chain:
        for error in list(getattr(link, "schema_errors", None) or [])[:5]:
            error = best_match([error])  # descend into oneOf/anyOf to the most relevant branch
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            lines.append(f"at {where}: {_short(error.message)}")
    if not lines:
        lines = [_short(str(link)) for link in chain]
    return f"{type(exc).__name__}: " + "; ".join(dict.fromkeys(lines))


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@functools.cache
def load_validator() -> Validator | None:
    """The process-wide validator, or None when the spec file is not available."""
    path = spec_path()
    if path is None:
        log.info("Discord OpenAPI spec not found; validation disabled")
        return None
    with path.open(encoding="utf-8") as handle:
        spec = json.load(handle)
    return Validator(spec, path)
