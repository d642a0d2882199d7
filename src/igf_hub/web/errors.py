"""Errors on web pages: a page in the reader's language that says what happened in plain words, never a JSON
problem document. The API keeps its RFC 9457 answers; only requests for pages (a language-prefixed URL) get
these.

Page controllers subclass ``PageController``, which carries ``PAGE_EXCEPTION_HANDLERS``; ``page_or_api`` wraps the app's own handlers for the errors the router raises before any page is found (an
unknown address under ``/fr/…``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from litestar import Controller, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsException

from igf_hub.core.errors import DomainError
from igf_hub.core.logging import request_id_of
from igf_hub.web import i18n
from igf_hub.web.i18n import N_
from igf_hub.web.templating import render

log = structlog.get_logger("igf_hub.web")

# (heading, explanation) for each status a reader may meet; anything else is said as the closest class.
MESSAGES: dict[int, tuple[str, str]] = {
    400: (N_("This request cannot be served"), N_("Something in the address or the form is not right.")),
    401: (N_("Sign in to see this page"), N_("This page is only for people who are signed in.")),
    403: (N_("You cannot see this page"), N_("Your account does not give you access to this page.")),
    404: (
        N_("Page not found"),
        N_("There is no page at this address. Check the address, or start again from the home page."),
    ),
    405: (N_("This page cannot be used that way"), N_("Go back to the page and use its links and buttons.")),
    409: (
        N_("This could not be done"),
        N_("Someone may have changed the same thing at the same time. Reload the page and try again."),
    ),
    429: (N_("Too many requests"), N_("Wait a few minutes, then try again.")),
    500: (
        N_("Something went wrong on our side"),
        N_("The page could not be shown. Try again later; if it happens again, tell us the reference below."),
    ),
    503: (
        N_("The service is busy"),
        N_("The page could not be shown right now. Try again in a few seconds."),
    ),
}


def status_of(exc: Exception) -> int:
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, DomainError):
        return exc.status
    return 500


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status = status_of(exc)
    if status >= 500:
        log.error("page.failed", path=request.url.path, error=type(exc).__name__, exc_info=exc)
    heading, explanation = MESSAGES.get(status) or MESSAGES[500 if status >= 500 else 400]
    headers = dict(getattr(exc, "headers", None) or {})
    return render(
        request,
        "error.html",
        {
            "status": status,
            "heading": heading,
            "explanation": explanation,
            "reference": request_id_of(request.scope),
        },
        status_code=status,
        headers={k: v for k, v in headers.items() if k.lower() in ("retry-after", "www-authenticate")},
    )


ExceptionHandler = Callable[[Request[Any, Any, Any], Any], Response[Any]]


def page_or_api(api: ExceptionHandler) -> ExceptionHandler:
    """The page for a request under a language prefix, else the API's own answer."""

    def handler(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
        if i18n.prefixed_language(request.scope) is not None:
            return error_page(request, exc)
        return api(request, exc)

    return handler


PAGE_EXCEPTION_HANDLERS: dict[type[Exception] | int, ExceptionHandler] = {
    # Every class the app maps to a problem document (the most specific class wins, whichever layer set it).
    Exception: error_page,
    HTTPException: error_page,
    ValidationException: error_page,
    ProblemDetailsException: error_page,
    DomainError: error_page,
}


class PageController(Controller):
    """The base of every page controller: outside the OpenAPI document, and its errors are pages."""

    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS
