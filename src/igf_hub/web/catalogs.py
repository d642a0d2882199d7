"""The translation routine behind ``./dev i18n``: extract, update and check the six catalogs.

    ./dev i18n            extract the marked strings, update every catalog, then check them (exit 1 if not done)
    ./dev i18n check      only check: every string translated in every language, placeholders kept, none unmarked

Strings are marked with ``_()``/``ngettext()``/``{% trans %}`` in the templates and with ``_()``/``N_()`` in
``web/*.py``, ``people/*.py``, the domains' ``pages.py`` and ``notices.py`` (or ``*_notices.py``) and ``auth/password_rules.py``;
e-mail text parts are ``templates/**.txt``. A new string arrives in each catalog untranslated; write its
translation in ``locale/<lang>/LC_MESSAGES/messages.po``. The English catalog is filled from the sources.
A translation not yet read by a person carries the translator comment ``UNREVIEWED`` (remove the line once a
person has checked it): ``./dev i18n`` counts them.
"""

from __future__ import annotations

import copy
import html
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from igf_hub.web.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE
from igf_hub.web.templating import PACKAGE, TEMPLATES_DIR, environment

UNREVIEWED = "UNREVIEWED"
_FIXED_DATE = datetime(
    2026, 12, 6, tzinfo=UTC
)  # a constant header date: catalogs change only when strings do
_JINJA = "jinja2.ext:babel_extract"
METHODS = [
    ("templates/**.html", _JINJA),
    ("templates/**.txt", _JINJA),  # the plain-text parts of e-mails
    ("web/**.py", "python"),
    ("people/**.py", "python"),
    ("*/notices.py", "python"),  # each domain's notice kinds
    ("*/*_notices.py", "python"),  # a domain may split its kinds by concern (messages/ballot_notices.py)
    ("*/queue.py", "python"),  # each domain's sections of the Secretariat's work queue (core/wiring.py)
    ("*/pages.py", "python"),
    ("*/*_pages.py", "python"),
    ("*/*_forms.py", "python"),  # a page's form and its sentences, beside its pages (nri/workspace_forms.py)
    ("auth/password_rules.py", "python"),  # the password refusals every password form shows
]
_JINJA_OPTIONS = {
    "extensions": "jinja2.ext.i18n,jinja2.ext.do",
    "newstyle_gettext": "true",
    "trim_blocks": "true",
    "lstrip_blocks": "true",
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
_LETTER = re.compile(r"[^\W\d_]")
_TRANSLATABLE_ATTRIBUTES = frozenset(
    {"title", "alt", "aria-label", "placeholder", "value", "aria-description"}
)


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Every marked string of the templates and page modules, as a template catalog."""
    template = Catalog(domain=DOMAIN, project="igf_hub", creation_date=_FIXED_DATE, fuzzy=False)
    options = {"templates/**.html": _JINJA_OPTIONS, "templates/**.txt": _JINJA_OPTIONS}
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE, METHODS, options, comment_tags=("Translators:",), strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def update(template: Catalog) -> None:
    for language, details in LANGUAGES.items():
        path = po_path(language)
        if path.exists():
            with path.open("rb") as po:
                catalog = read_po(po, locale=details.locale, domain=DOMAIN)
        else:
            catalog = Catalog(locale=details.locale, domain=DOMAIN, project="igf_hub", fuzzy=False)
        catalog.creation_date = _FIXED_DATE
        catalog.revision_date = _FIXED_DATE
        # update() adopts the template's own Message objects: give each catalog its copy.
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True, update_creation_date=False)
        if language == SOURCE:
            for message in catalog:
                if message.id:
                    message.string = message.id
        path.parent.mkdir(parents=True, exist_ok=True)
        out = BytesIO()
        # Sorted and without line numbers, so that two people adding strings rarely touch the same lines.
        write_po(out, catalog, sort_output=True, ignore_obsolete=True, include_lineno=False, width=110)
        path.write_bytes(out.getvalue())


def _strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string or ""]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]


def problems(template: Catalog | None = None) -> list[str]:
    """What keeps the catalogs from being complete, one plain sentence each."""
    template = template or extract()
    found = [f"{where}: {text!r} is not marked for translation" for where, text in unmarked_strings()]
    for language, details in LANGUAGES.items():
        path = po_path(language)
        if not path.exists():
            found.append(f"{language}: there is no catalog at {path.relative_to(PACKAGE.parent)}")
            continue
        with path.open("rb") as po:
            catalog = read_po(po, locale=details.locale, domain=DOMAIN)
        write_mo(BytesIO(), catalog)  # it compiles
        for wanted in template:
            if not wanted.id:
                continue
            first = _ids(wanted)[0]
            message = catalog.get(wanted.id, wanted.context)
            if message is None:
                found.append(f"{language}: {first!r} is missing (run ./dev i18n)")
                continue
            strings = _strings(message)
            if message.fuzzy or not all(strings):
                found.append(f"{language}: {first!r} has no translation")
                continue
            expected = sorted(_PLACEHOLDER.findall(_ids(wanted)[-1]))
            for string in strings:
                if sorted(_PLACEHOLDER.findall(string)) != expected:
                    found.append(f"{language}: the translation of {first!r} does not keep its placeholders")
    return found


def unreviewed() -> dict[str, int]:
    counts = {}
    for language in LANGUAGES:
        path = po_path(language)
        if path.exists():
            with path.open("rb") as po:
                catalog = read_po(po, domain=DOMAIN)
            counts[language] = sum(
                1 for m in catalog if m.id and any(UNREVIEWED in c for c in m.user_comments)
            )
    return counts


_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
_TAG = re.compile(r"<[^<>]*>")


def unmarked_strings(directory: Path = TEMPLATES_DIR) -> Iterator[tuple[str, str]]:
    """(template, text) for every piece of visible text written in a template outside gettext."""
    env = environment()
    for path in sorted(directory.rglob("*.html")):
        name = str(path.relative_to(directory))
        # Keep the template's literal text; every tag, expression and comment of Jinja becomes a NUL.
        literal = "".join(value if kind == "data" else "\x00" for _, kind, value in env.lex(path.read_text()))
        for attribute, value in _ATTRIBUTE.findall(literal):
            if attribute in _TRANSLATABLE_ATTRIBUTES and "\x00" not in value and _LETTER.search(value):
                yield name, f'{attribute}="{value}"'
        text = _ATTRIBUTE.sub("\x00", _TAG.sub("\x00", literal))  # markup, and attributes written by macros
        for chunk in html.unescape(text).split("\x00"):
            if _LETTER.search(chunk):
                yield name, " ".join(chunk.split())


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "all"
    if command not in ("all", "check"):
        print("usage: ./dev i18n [check]", file=sys.stderr)
        return 2
    template = extract()
    if command == "all":
        update(template)
        print(f"i18n: {len(template)} strings, catalogs updated in {', '.join(LANGUAGES)}")
    found = problems(template)
    for problem in found:
        print(problem)
    counts = unreviewed()
    if any(counts.values()):
        print("i18n: not yet reviewed by a person: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    if found:
        print(f"i18n: {len(found)} problems: the catalogs are not complete", file=sys.stderr)
        return 1
    print("i18n: every string is translated in every language")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
