"""Domain errors and their RFC 9457 problem+json rendering.

A service raises a ``DomainError`` subclass; ``app.py`` maps every one of them to a problem response
through :func:`to_problem`. Repositories never raise HTTP errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import msgspec
from litestar.plugins.problem_details import ProblemDetailsException

PROBLEM_BASE = "/problems/"
T = TypeVar("T")


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

    def __init__(self, *, current: object, requested: object, allowed: Iterable[object]) -> None:
        # States arrive as plain strings or as StrEnum members: say their names, never a Python repr.
        now, wanted = state_name(current), state_name(requested)
        allowed_list = sorted(state_name(a) for a in allowed)
        next_states = ", ".join(allowed_list) if allowed_list else "none (this is a final state)"
        super().__init__(
            f"cannot go from {now} to {wanted}; the states allowed next are: {next_states}",
            extra={"current_state": now, "requested_state": wanted, "allowed": allowed_list},
        )


def state_name(state: object) -> str:
    """A state as a person reads it: the enum's value (``mag_review``), not ``<MessageState.mag_review: …>``."""
    value = getattr(state, "value", state)
    return str(value)


# -- validation messages in plain words --------------------------------------------------------------------

_AT = re.compile(r" - at `\$(?P<path>[^`]*)`")
_REGEX = re.compile(r"Expected `str` matching regex '(?P<pattern>.*)'$")
_PATTERN_SENTENCES: dict[str, str] = {}


def describe_pattern(pattern: str, sentence: str) -> str:
    """Register what a ``Meta(pattern=…)`` means in words; validation errors show the sentence, never the
    regex. Returns the pattern, so an alias can be declared as ``Meta(pattern=describe_pattern(r"…", "…"))``."""
    _PATTERN_SENTENCES[pattern] = sentence
    return pattern


def plain_detail(message: str) -> str:
    """A msgspec validation message without its location and with any regex replaced by a sentence."""
    detail = _AT.sub("", message)
    match = _REGEX.search(detail)
    if match:
        pattern = match.group("pattern").replace("\\\\", "\\")  # msgspec prints backslashes doubled
        sentence = _PATTERN_SENTENCES.get(pattern, "is not in the expected format")
        detail = detail[: match.start()] + sentence[:1].upper() + sentence[1:]
    return detail


def message_pointer(message: str, *, prefix: str = "") -> str:
    """msgspec says where (``- at `$.countries[0]` ``): the same place as a JSON Pointer (``/countries/0``).
    A dict value (``[...]``) names no key, so the pointer stops at the dict."""
    match = _AT.search(message)
    parts = re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", match.group("path") if match else "")
    return prefix + "".join(f"/{name or index}" for name, index in parts)


def validation_field_error(exc: msgspec.ValidationError, *, prefix: str = "") -> FieldError:
    message = str(exc)
    return FieldError(pointer=message_pointer(message, prefix=prefix), detail=plain_detail(message))


def convert_all(
    data: Mapping[str, Any],
    type_: type[T],
    *,
    prefix: str = "",
    strict: bool = True,
    dec_hook: Callable[[type, Any], Any] | None = None,
) -> tuple[T | None, list[FieldError]]:
    """Convert ``data`` to the Struct ``type_`` and report EVERY field that is wrong, not only the first one
    msgspec meets (a CSV row or an import record should be fixed in one pass). Each field is checked on its
    own; the cross-field rules (``__post_init__``) run once every field is valid."""
    try:
        return msgspec.convert(data, type_, strict=strict, dec_hook=dec_hook), []
    except msgspec.ValidationError as first:
        first_error = validation_field_error(first, prefix=prefix)
    fields = {f.encode_name: f for f in msgspec.structs.fields(type_)}  # type: ignore[arg-type]
    errors: list[FieldError] = []
    for name, value in data.items():
        info = fields.get(name)
        if info is None:
            errors.append(FieldError(f"{prefix}/{name}", "is not a known field"))
            continue
        try:
            msgspec.convert(value, info.type, strict=strict, dec_hook=dec_hook)
        except msgspec.ValidationError as exc:
            errors.append(validation_field_error(exc, prefix=f"{prefix}/{name}"))
    errors += [
        FieldError(f"{prefix}/{name}", "is required")
        for name, f in fields.items()
        if f.required and name not in data
    ]
    return None, errors or [first_error]


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
