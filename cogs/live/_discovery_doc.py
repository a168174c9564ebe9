"""The part of YouTube's discovery document the relay uses, shipped as ``youtube_v3_subset.json``.

google-api-python-client builds its client from a discovery document: the one bundled with it
describes all of the YouTube Data API (~400 kB of JSON, ~2.2 MB of memory once parsed, most of it
never freed back to the system). The relay calls three methods, so it builds from the same document
cut down to them and the schemas they reach (~1 MB less resident memory). The cut is mechanical and
checked: ``tests/cogs/live/test_discovery_doc.py`` fails when the installed library's document no
longer cuts down to the shipped file; then run ``python -m cogs.live._discovery_doc`` to rewrite it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

#: Resource → the methods the relay calls (cogs/live/_youtube.py).
USED = {"channels": ("list",), "playlistItems": ("list",), "videos": ("list",)}
SUBSET_PATH = Path(__file__).resolve().parent / "youtube_v3_subset.json"


def library_document() -> dict[str, Any]:
    """The YouTube v3 document bundled with the installed google-api-python-client."""
    import googleapiclient

    path = Path(googleapiclient.__file__).parent / "discovery_cache/documents/youtube.v3.json"
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return document


def subset(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with only the :data:`USED` methods and the schemas they reach."""
    resources = {
        name: {
            "methods": {
                method: document["resources"][name]["methods"][method] for method in methods
            }
        }
        for name, methods in USED.items()
    }
    schemas = document["schemas"]
    wanted: set[str] = set()
    pending = [
        method[part]["$ref"]
        for resource in resources.values()
        for method in resource["methods"].values()
        for part in ("request", "response")
        if part in method
    ]
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending.extend(_refs(schemas[name]))
    return {
        **document,
        "resources": resources,
        "schemas": {name: schemas[name] for name in sorted(wanted)},
    }


def _refs(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [value["$ref"]] if isinstance(value.get("$ref"), str) else []
        return found + [ref for item in value.values() for ref in _refs(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs(item)]
    return []


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    SUBSET_PATH.write_text(render(subset(library_document())), "utf-8")
    sys.stdout.write(f"wrote {SUBSET_PATH}\n")
