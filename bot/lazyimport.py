"""Defer modules that a dependency imports eagerly but the bot's path never uses.

google-api-python-client imports ``google.oauth2.service_account`` at module level, which pulls in
google-auth's signers and with them ``cryptography`` (~9 MB resident, ~0.1 s of CPU); httplib2 imports
its ``auth`` module, which builds a pyparsing grammar for WWW-Authenticate headers (pyparsing imports
``unittest``: ~4 MB). The relay calls the API with a key (``developerKey``): no service account, no
signing, and YouTube never asks httplib2 for a login. :func:`defer` lets such a module be imported as
usual (``from google.oauth2 import service_account`` still works) but runs its code only when something
first reads one of its attributes (:class:`importlib.util.LazyLoader`). Nothing breaks if a later
version does use it: the module then loads at that moment, exactly as it would have at import.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

_lock = threading.Lock()


class _DeferringFinder(MetaPathFinder):
    """Finds the listed modules with the finders after it, and wraps their loader in a LazyLoader."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname not in self.names:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = importlib.util.LazyLoader(spec.loader)
                return spec
        return None


_finder = _DeferringFinder()


def defer(*names: str) -> None:
    """Import ``names`` lazily from now on (modules already imported stay as they are)."""
    with _lock:
        _finder.names.update(names)
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
