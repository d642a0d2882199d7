"""The pages' gettext in one call (web/templating.py) renders exactly what jinja2.ext's new-style gettext did:
every catalog's messages, with and without variables, escaped and not, singular and plural, in each language."""

from __future__ import annotations

from typing import Any

import jinja2.ext
import pytest
from jinja2 import Environment

from igf_hub.web import templating
from igf_hub.web.i18n import LANGUAGES, translations


def _stock() -> Environment:
    """The environment as it was: jinja2.ext's ``_`` alias and its wrappers around the same functions."""
    env = templating.environment()
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=templating._gettext, ngettext=templating._ngettext, newstyle=True
    )
    env.globals["_"] = jinja2.ext._gettext_alias
    return env


def _messages() -> tuple[list[str], list[tuple[str, str]]]:
    catalog: dict[Any, str] = translations("fr")._catalog
    singular = sorted(k for k in catalog if isinstance(k, str) and k)
    plural = sorted({k[0] for k in catalog if isinstance(k, tuple)})
    plurals = [(p, p.replace("%(num)d", "%(num)d (plural)")) for p in plural]
    return singular, plurals


def _outcome(template: Any, context: dict[str, Any]) -> tuple[str, str]:
    """The rendered text, or the error it raised (a message with variables rendered without them fails alike)."""
    try:
        return "page", template.render(context)
    except (KeyError, TypeError, ValueError) as exc:
        return type(exc).__name__, str(exc)


SOURCES = [
    '{{ _(m) }}|{{ gettext(m) }}|{{ _("100%% sure <b>") }}|{{ _("Not in any catalog & <i>") }}',
    '{{ _("%(name)s wrote", name=who) }}|{{ gettext("%(count)s of %(total)s", count=3, total=who) }}',
    "{% trans %}Sign in{% endtrans %}|{% trans name=who %}Hello {{ name }}{% endtrans %}",
    "{% trans num=n %}{{ num }} comment{% pluralize %}{{ num }} comments{% endtrans %}",
    "{{ ngettext(s, p, n) }}|{{ ngettext(s, p, n, num=who) }}",
]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_page_gettext_renders_what_the_extension_rendered(language: str) -> None:
    new, old = templating.environment(), _stock()
    singular, plurals = _messages()
    for escape in ("true", "false"):
        for source in SOURCES:
            text = f"{{% autoescape {escape} %}}{source}{{% endautoescape %}}"
            mine, theirs = new.from_string(text), old.from_string(text)
            for index, message in enumerate(singular[::11]):  # a spread of every kind, in a second
                s, p = plurals[index % len(plurals)]
                context = {
                    "lang": language,
                    "m": message,
                    "who": "<Ada & Co>",
                    "n": index % 3,
                    "s": s,
                    "p": p,
                }
                assert _outcome(mine, context) == _outcome(theirs, context), (
                    language,
                    escape,
                    source,
                    message,
                )
