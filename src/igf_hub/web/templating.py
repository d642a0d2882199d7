"""Server-rendered pages: one Jinja environment for every template, and ``render`` which every page returns.

Templates live in ``igf_hub/templates/``: ``layout.html``, the macros in ``components/``, and each domain's
pages in ``templates/<domain>/``. Autoescaping is on and undefined names fail loudly. Every UI string goes
through gettext (``{{ _("…") }}`` or ``{% trans %}``), translated into the page's language (``lang`` in the
context); see i18n.py.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.filters import do_mark_safe
from jinja2.runtime import Context
from litestar import Request
from litestar.datastructures import CacheControlHeader, Cookie
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from igf_hub.core.security_headers import page_headers
from igf_hub.web import i18n
from igf_hub.web.formatting import FILTERS
from igf_hub.web.navigation import account, navigation

# Where the header's unread-notice count waits in the request's state (set by people/notice_pages.UnreadCount).
UNREAD_KEY = "igf_hub.inbox_unread"

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = PACKAGE / "templates"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static"

# Layout pages load their stylesheet and scripts from this origin only, and run no inline script at all.
WEB_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@pass_context
def _gettext(context: Context, message: str) -> str:
    return i18n.gettext(str(context.get("lang", i18n.DEFAULT)), message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return i18n.ngettext(str(context.get("lang", i18n.DEFAULT)), singular, plural, count)


@pass_context
def _page_gettext(context: Context, message: str, /, **variables: Any) -> str:
    """``_()`` and ``gettext()`` in a template: what jinja2.ext's new-style gettext returns, in one call.

    The extension's ``_`` looks ``gettext`` up in the context and calls it through two wrappers, each checking
    what kind of callable it calls: three context calls per string, a tenth of a page's CPU. The result is the
    same: the translation, as Markup when the template autoescapes, formatted with ``variables``.
    """
    text = i18n.gettext(str(context.get("lang", i18n.DEFAULT)), message)
    rv = (
        do_mark_safe(text) if context.eval_ctx.autoescape else text
    )  # our catalogs are markup, as in jinja2.ext
    return rv % variables if "%" in rv else rv  # a string without "%" is its own %-format


@pass_context
def _page_ngettext(context: Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
    """``ngettext()`` in a template, as jinja2.ext's new-style ngettext (``num`` is a variable too)."""
    variables.setdefault("num", num)
    text = i18n.ngettext(str(context.get("lang", i18n.DEFAULT)), singular, plural, num)
    rv = (
        do_mark_safe(text) if context.eval_ctx.autoescape else text
    )  # our catalogs are markup, as in jinja2.ext
    return rv % variables


@functools.cache
def static_url(name: str) -> str:
    """``/static/<name>?v=<content hash>``: a new file is a new URL, so browsers may keep each one for a year."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
    return f"{STATIC_PATH}/{name}?v={digest}"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True)  # type: ignore[attr-defined]
    # The same functions without the extension's wrappers ({% trans %} compiles to calls of these names too).
    env.globals.update(_=_page_gettext, gettext=_page_gettext, ngettext=_page_ngettext)
    env.filters.update(FILTERS)
    env.globals.update(static=static_url, LANGUAGES=i18n.LANGUAGES)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


def static_files() -> HTTPRouteHandler:
    """The stylesheet and scripts, from the package itself (no CDN, no other origin)."""
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_DIR],
        include_in_schema=False,
        cache_control=CacheControlHeader(public=True, max_age=365 * 24 * 3600, immutable=True),
    )  # type: ignore[return-value]


def _switcher(request: Request[Any, Any, Any], current: str) -> list[dict[str, Any]]:
    """The same page in each language, for the language switcher."""
    query = request.url.query
    path = request.url.path
    base = request.app.state.settings.base_url.rstrip("/")
    links = []
    for language in i18n.LANGUAGES.values():
        href = i18n.path_in(language.code, path) + (f"?{query}" if query else "")
        links.append(
            {
                "code": language.code,
                "name": language.name,
                "dir": language.direction,
                "href": href,
                "url": base + href,  # search engines want the alternates' full addresses
                "current": language.code == current,
            }
        )
    return links


def render(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Template:
    """A page in the request's language, inside the layout, with the web policy and the remembered language."""
    language = i18n.request_language(request)
    prefixed = i18n.prefixed_language(request.scope) is not None
    response_headers = {
        **page_headers(WEB_CSP),
        "Content-Language": language,
        **({} if prefixed else {"Vary": "Accept-Language, Cookie"}),
        **(headers or {}),
    }
    cookies = []
    if prefixed and request.cookies.get(i18n.COOKIE) != language:
        # Remember the language the reader chose (a prefixed URL is a choice) for the next unprefixed visit.
        settings = request.app.state.settings
        cookies.append(
            Cookie(
                key=i18n.COOKIE,
                value=language,
                max_age=i18n.COOKIE_MAX_AGE,
                path="/",
                samesite="lax",
                httponly=True,
                secure=settings.base_url.startswith("https://"),
            )
        )
    return Template(
        template_name=template,
        context={
            **(context or {}),
            "lang": language,
            "dir": i18n.LANGUAGES[language].direction,
            "languages": _switcher(request, language),
            "navigation": navigation(request, language),
            "account": account(request, language),
            "inbox_unread": (request.scope.get("state") or {}).get(UNREAD_KEY),
            "path": request.url.path,
        },
        status_code=status_code,
        headers=response_headers,
        cookies=cookies,
    )
