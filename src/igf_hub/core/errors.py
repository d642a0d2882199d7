"""Domain errors and their RFC 9457 problem+json rendering.

A service raises a ``DomainError`` subclass; ``app.py`` maps every one of them to a problem response
through :func:`to_problem`. Repositories never raise HTTP errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from litestar.plugins.problem_details import ProblemDetailsException

PROBLEM_BASE = "/problems/"


class FieldError(msgspec.Struct, frozen=True):
    """One reason a request was refused; ``pointer`` is a JSON Pointer (RFC 6901) into the body."""

    pointer: str
    detail: str


class DomainError(Exception):
    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail = detail or self.title
        self.errors = list(errors)
        self.extra = extra or {}
        self.headers = headers or {}
        super().__init__(self.detail)


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Forbidden"


class Unauthorized(DomainError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class Unprocessable(DomainError):
    status, slug, title = 422, "unprocessable", "The request could not be processed"


class PreconditionFailed(DomainError):
    status, slug, title = 412, "stale-version", "The resource has changed"


class PreconditionRequired(DomainError):
    status, slug, title = 428, "precondition-required", "If-Match is required"


class TooManyRequests(DomainError):
    status, slug, title = 429, "too-many-requests", "Too many requests"


class IllegalTransition(DomainError):
    """A state machine refused a transition: 409 naming the current state and the allowed ones."""

    status, slug, title = 409, "illegal-transition", "This transition is not allowed from the current state"

    def __init__(self, *, current: str, requested: str, allowed: Iterable[str]) -> None:
        allowed_list = sorted(allowed)
        super().__init__(
            f"cannot go to {requested!r} from {current!r}; allowed: {', '.join(allowed_list) or 'none'}",
            extra={"current_state": current, "requested_state": requested, "allowed": allowed_list},
        )


def problem(
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: Sequence[FieldError] = (),
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemDetailsException:
    body_extra: dict[str, Any] = dict(extra or {})
    if errors:
        body_extra["errors"] = [msgspec.structs.asdict(e) for e in errors]
    return ProblemDetailsException(
        type_=f"{PROBLEM_BASE}{slug}",
        title=title,
        status_code=status,
        detail=detail,
        extra=body_extra or None,
        headers=headers,
    )


def to_problem(exc: DomainError) -> ProblemDetailsException:
    return problem(
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        extra=exc.extra,
        headers=exc.headers,
    )
