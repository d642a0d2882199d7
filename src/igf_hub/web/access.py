"""Who is reading a page, for the pages that need a signed-in person: the person, or the way to sign in first.

A page does not decide what a person may do: it calls the same service and guards as the API, whose refusal it
shows. This only says who is signed in, and sends the others to sign in and back to the page they asked for."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar.response import Redirect

from igf_hub.auth.principal import AnyRequest, Principal
from igf_hub.web import i18n


def signed_in(request: AnyRequest) -> Principal | None:
    """The signed-in person reading the page, or None (a visitor, or an API client)."""
    person: Principal | None = request.scope.get("user")
    return person if person is not None and person.is_authenticated and person.user_id is not None else None


def sign_in_first(request: AnyRequest, back_to: str | None = None) -> Redirect:
    """To the sign-in page in the reader's language, then back to ``back_to`` (a path without the language
    prefix), by default the page asked for with its query."""
    language = i18n.request_language(request)
    if back_to is None:
        query = request.url.query
        back = i18n.path_in(language, request.url.path) + (f"?{query}" if query else "")
    else:
        back = i18n.path_in(language, back_to)
    return Redirect(i18n.path_in(language, "/signin") + "?" + urlencode({"next": back}), status_code=303)
