"""Every route that may write runs in the request transaction (``tx``, core/db.py ``provide_tx``): the change,
its audit row and its outbox event commit together or not at all.

The app is built as in production and each non-GET handler's parameters are followed through the resolved
dependencies (a service provider taking ``tx``, a provider of that provider ...) until ``provide_tx`` is reached.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from litestar.di import Provide

from igf_hub.app import create_app
from igf_hub.core.db import provide_tx
from igf_hub.core.settings import Settings

READS = frozenset({"GET", "HEAD", "OPTIONS"})

# "METHOD path" of the non-GET routes that write nothing, each with why.
NO_TRANSACTION = {
    "POST /v1/mag/cycles/{year:int}/balance:preview": "a what-if computed from the body: nothing is written",
    "POST /my/initiatives/criteria": "the IGF criteria checked on the NRI form as posted: nothing is written",
}


def _reaches_tx(names: Iterable[str], dependencies: Mapping[str, Provide], seen: set[str]) -> bool:
    for name in names:
        if name in seen or name not in dependencies:
            continue
        seen.add(name)
        provider: Any = dependencies[name].dependency
        if provider is provide_tx:
            return True
        if callable(provider) and _reaches_tx(inspect.signature(provider).parameters, dependencies, seen):
            return True
    return False


def _routes_without_tx(data_dir: Path) -> list[str]:
    app = create_app(Settings(data_dir=str(data_dir)))
    found = []
    for path, handlers in app.route_handler_method_map.items():
        for method, handler in handlers.items():
            if method in READS:
                continue
            dependencies = handler.resolve_dependencies()
            if not _reaches_tx(handler.parsed_fn_signature.parameters, dependencies, set()):
                found.append(f"{method} {path}")
    return sorted(found)


def test_every_write_route_runs_in_the_request_transaction(tmp_path: Path) -> None:
    found = _routes_without_tx(tmp_path)
    assert found == sorted(NO_TRANSACTION), (
        "a non-GET route depends on tx (directly or through a provider taking tx); one that writes nothing "
        "is named in NO_TRANSACTION with why. Without tx:\n" + "\n".join(found)
    )
