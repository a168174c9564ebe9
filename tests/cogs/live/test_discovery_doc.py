"""The relay's discovery document is the installed library's, cut down to the methods it calls."""

from __future__ import annotations

from cogs.live._discovery_doc import SUBSET_PATH, USED, library_document, render, subset


def test_the_shipped_subset_is_the_installed_librarys_document_cut_down() -> None:
    # Fails when google-api-python-client ships another document: `python -m cogs.live._discovery_doc`.
    assert SUBSET_PATH.read_text("utf-8") == render(subset(library_document()))


def test_the_subset_keeps_every_used_method_and_every_schema_they_reach() -> None:
    full = library_document()
    cut = subset(full)
    assert {name: tuple(r["methods"]) for name, r in cut["resources"].items()} == USED
    for name, resource in cut["resources"].items():
        assert resource["methods"]["list"] == full["resources"][name]["methods"]["list"]
    assert {"VideoListResponse", "Video", "VideoLiveStreamingDetails"} <= set(cut["schemas"])
    assert "ChannelListResponse" in cut["schemas"]
    assert "PlaylistItemListResponse" in cut["schemas"]
    assert "CommentThread" not in cut["schemas"]  # not reached from the used methods
    assert len(cut["schemas"]) < len(full["schemas"]) / 2
    assert cut["rootUrl"] == full["rootUrl"]
    assert cut["parameters"] == full["parameters"]
