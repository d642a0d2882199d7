"""The API reference describes every operation: each handler's docstring becomes its description."""

from __future__ import annotations

from igf_hub.app import create_app
from igf_hub.core.settings import Settings

_METHODS = {"get", "put", "post", "patch", "delete"}


def test_every_operation_has_a_description() -> None:
    paths = create_app(Settings()).openapi_schema.to_schema()["paths"]
    undescribed = sorted(
        f"{operation.get('operationId')} ({method.upper()} {path})"
        for path, item in paths.items()
        for method, operation in item.items()
        if method in _METHODS and not str(operation.get("description") or "").strip()
    )
    assert not undescribed, f"{len(undescribed)} operations have no description: {undescribed}"
