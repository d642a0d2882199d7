"""Dates, numbers and money written the way the reader's language writes them (Babel, CLDR data).

Each is a Jinja filter that takes the page's language from the template context (``lang``), so a template
writes ``{{ message.closes_at|datetime }}`` and ``{{ amount|money("USD") }}`` and never formats by hand.
Times are shown in UTC, and say so: the service stores and compares them in UTC.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import pass_context
from jinja2.runtime import Context

from igf_hub.web.i18n import DEFAULT, LANGUAGES


def locale_of(language: str) -> str:
    return LANGUAGES[language].locale if language in LANGUAGES else LANGUAGES[DEFAULT].locale


@functools.cache
def locale(language: str) -> Locale:
    """The language's Babel locale, parsed once per process (Babel parses a locale name on every call it is
    given as text; a Locale is used as it is)."""
    return Locale.parse(locale_of(language))


def date_text(value: date | datetime, language: str, *, style: str = "long") -> str:
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date()
    return _date_text(value, language, style)


@functools.lru_cache(maxsize=4096)  # a page shows the same few days many times (history, deadlines)
def _date_text(value: date, language: str, style: str) -> str:
    return format_date(value, format=style, locale=locale(language))


def datetime_text(value: datetime, language: str, *, style: str = "medium") -> str:
    return _datetime_text(value.astimezone(UTC), language, style)


@functools.lru_cache(maxsize=4096)  # the same comments' times on every view of a Message
def _datetime_text(value: datetime, language: str, style: str) -> str:
    shown = format_datetime(value, format=style, tzinfo=UTC, locale=locale(language))
    return f"{shown} UTC"


def number_text(value: int | float | Decimal, language: str) -> str:
    return format_decimal(value, locale=locale(language))


def money_text(value: Decimal | int, currency: str, language: str) -> str:
    """An amount in an ISO 4217 currency; Decimal in, never float."""
    return format_currency(value, currency, locale=locale(language))


def percent_text(value: Decimal | float, language: str) -> str:
    return format_percent(value, locale=locale(language))


def language_name(code: str, language: str) -> str:
    """A language's name in the reader's language (``fr`` is "French" in English, "français" in French)."""
    name = locale(language).languages.get(code.split("-")[0])
    return name or code


def country_name(code: str, language: str) -> str:
    """A country's name (ISO 3166-1 alpha-2) in the reader's language."""
    name = locale(language).territories.get(code.upper())
    return name or code


@pass_context
def _language_name(context: Context, value: str | None) -> str:
    return "" if value is None else language_name(value, _language(context))


@pass_context
def _country_name(context: Context, value: str | None) -> str:
    return "" if value is None else country_name(value, _language(context))


@pass_context
def _date(context: Context, value: date | datetime | None, style: str = "long") -> str:
    return "" if value is None else date_text(value, _language(context), style=style)


@pass_context
def _datetime(context: Context, value: datetime | None, style: str = "medium") -> str:
    return "" if value is None else datetime_text(value, _language(context), style=style)


@pass_context
def _number(context: Context, value: int | float | Decimal | None) -> str:
    return "" if value is None else number_text(value, _language(context))


@pass_context
def _money(context: Context, value: Decimal | int | None, currency: str = "USD") -> str:
    return "" if value is None else money_text(value, currency, _language(context))


@pass_context
def _percent(context: Context, value: Decimal | float | None) -> str:
    return "" if value is None else percent_text(value, _language(context))


def _language(context: Context) -> str:
    language = context.get("lang", DEFAULT)
    return language if isinstance(language, str) and language in LANGUAGES else DEFAULT


FILTERS: dict[str, Any] = {
    "date": _date,
    "datetime": _datetime,
    "number": _number,
    "money": _money,
    "percent": _percent,
    "language_name": _language_name,
    "country_name": _country_name,
}
