"""Every HTTP operation the app serves, read from the app itself (not from a list kept by hand)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

# Served by Litestar itself: the OpenAPI document and Swagger UI, and Swagger UI's static files.
FRAMEWORK_PREFIXES = ("/schema",)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # with {name} placeholders, e.g. /v1/nris/{nri_id}
    operation_id: str
    guards: tuple[str, ...]
    takes_body: bool
    handler: HTTPRouteHandler

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def operations(app: Litestar) -> list[Operation]:
    """One entry per (method, path) the app routes, except OPTIONS/HEAD and the framework's own routes."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(FRAMEWORK_PREFIXES):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                guards = tuple(
                    getattr(guard, "__name__", repr(guard))
                    for layer in handler.ownership_layers
                    for guard in layer.guards or ()
                )
                found.append(
                    Operation(
                        method=method,
                        path=route.path_format,
                        operation_id=handler.operation_id
                        if isinstance(handler.operation_id, str) and handler.operation_id
                        else f"{method} {route.path_format}",
                        guards=guards,
                        takes_body="data" in handler.parsed_fn_signature.parameters,
                        handler=handler,
                    )
                )
    return sorted(found, key=lambda op: (op.path, op.method))
