"""The six UN languages: which one a request is in, and the gettext catalogs that translate the pages.

The language is the URL's first segment (``/fr/…``): ``LanguagePrefix`` takes it off before Litestar routes the
request, so each page is registered once (``/nris``) and served under every prefix. Without a prefix (``/``,
or an older link such as ``/transparency``) the language is the one remembered in the ``lang`` cookie, else the
best match of ``Accept-Language``, else English.

Catalogs are ``locale/<lang>/LC_MESSAGES/messages.po``, edited by people and by ``./dev i18n``; they are
compiled in memory the first time a language is used, so no ``.mo`` file is built or committed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Literal, cast

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from litestar import Request
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
_STATE_KEY = "igf_hub.language"


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47, as in the URL and in ``lang=""``
    name: str  # the language's name in itself, as the switcher shows it
    direction: Literal["ltr", "rtl"] = "ltr"
    babel: str = ""  # Babel's locale id when it differs from the code

    @property
    def locale(self) -> str:
        return self.babel or self.code


# The UN's order (alphabetical in English): Arabic, Chinese, English, French, Russian, Spanish.
LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("ar", "العربية", "rtl"),
        Language("zh", "中文", babel="zh_Hans"),
        Language("en", "English"),
        Language("fr", "Français"),
        Language("ru", "Русский"),
        Language("es", "Español"),
    )
}
DEFAULT = "en"
SOURCE = "en"  # the language the msgids are written in


def N_(message: str) -> str:  # the name gettext's tools look for
    """Mark a string for translation where it is declared (module level); it is translated where it is shown."""
    return message


def negotiate(accept_language: str | None, remembered: str | None = None) -> str:
    """The remembered language if it is one of ours, else the best of ``Accept-Language``, else English."""
    if remembered in LANGUAGES:
        return remembered
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else DEFAULT


def prefixed_language(scope: Scope) -> str | None:
    """The language the URL's prefix named, None when the URL had none."""
    state: dict[str, Any] = scope.get("state") or {}
    language = state.get(_STATE_KEY)
    return language if isinstance(language, str) else None


def request_language(request: Request[Any, Any, Any]) -> str:
    """The language a page is rendered in."""
    return prefixed_language(request.scope) or negotiate(
        request.headers.get("accept-language"), request.cookies.get(COOKIE)
    )


class LanguagePrefix:
    """ASGI wrapper around the router: ``/fr/nris`` is routed as ``/nris`` with the language French."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            head, _, rest = scope["path"][1:].partition("/")
            if head in LANGUAGES:
                path = "/" + rest
                # The state dict is shared with the scope the response hooks see (the request id lives there).
                state = scope.setdefault("state", {})
                state[_STATE_KEY] = head
                raw = scope.get("raw_path")
                raw_path = (raw[len(head) + 1 :] or b"/") if raw else path.encode()
                scope = cast("Scope", {**scope, "path": path, "raw_path": raw_path})
        await self.app(scope, receive, send)


def path_in(language: str, path: str) -> str:
    """The same page in another language: ``/nris`` -> ``/fr/nris``."""
    return f"/{language}{path}" if path != "/" else f"/{language}/"


@functools.cache
def translations(language: str) -> Translations:
    """The language's catalog, compiled in memory once per process (untranslated entries fall back to English)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == SOURCE or not path.exists():
        return Translations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=LANGUAGES[language].locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(language: str, message: str) -> str:
    """``message`` in ``language``."""
    if type(message) is str:  # not Markup: an untranslated message is returned as it came, of its own type
        return _gettext(language, message)
    return translations(language).gettext(message)


@functools.lru_cache(maxsize=16384)
def _gettext(language: str, message: str) -> str:
    # A catalog never changes once compiled: each answer is kept (a page asks for the same strings every time).
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, count: int) -> str:
    return translations(language).ngettext(singular, plural, count)
