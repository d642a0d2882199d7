"""The shared components (templates/components/) rendered together in a page of the layout: axe finds nothing in
a left-to-right and a right-to-left language, and the form's error summary links to each field in error."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import html
from playwright.async_api import Browser

from igf_hub.web.i18n import LANGUAGES, path_in
from igf_hub.web.templating import environment
from tests.support.browser import assert_accessible

PAGE = """{% extends "layout.html" %}
{% from "components/breadcrumbs.html" import breadcrumbs %}
{% from "components/table.html" import table %}
{% from "components/form.html" import error_summary, field, textarea, select %}
{% from "components/pagination.html" import pagination %}
{% from "components/filters.html" import filters %}
{% from "components/status.html" import status_tag %}
{% block title %}Components{% endblock %}
{% block breadcrumbs %}{{ breadcrumbs([("Home", "/en/"), ("Components", None)]) }}{% endblock %}
{% block content %}
<h1>Components</h1>
{{ filters("/en/", [{"name": "q", "label": "Search", "value": "igf"},
                    {"name": "region", "label": "Region", "value": "africa",
                     "options": [("", "Any"), ("africa", "Africa"), ("europe", "Europe")]}], target="results") }}
<div id="results">
{{ table("Initiatives", [{"key": "name", "label": "Name"}, {"key": "count", "label": "Reports", "numeric": true},
                          {"key": "state", "label": "Status"}],
         [{"name": "Kenya IGF", "count": 1234|number, "state": status_tag("recognised", "Recognised")},
          {"name": "Youth IGF", "count": 7|number, "state": status_tag("pending", "Pending")}], "None") }}
{{ table("Nothing", [{"key": "name", "label": "Name"}], [], "No initiatives match these filters.") }}
{{ pagination(previous_url="/en/?cursor=a", next_url="/en/?cursor=b") }}
</div>
<form method="post" action="/en/" novalidate>
{{ error_summary(errors) }}
{{ field("email", "E-mail address", "not-an-address", error=errors.email, hint="We write only about this comment.", type="email", autocomplete="email") }}
{{ textarea("comment", "Your comment", "", error=errors.comment) }}
{{ select("language", "Language", [("en", "English"), ("fr", "Français")], "fr") }}
<p>{{ 1234567.5|money("EUR") }} · {{ when|date }} · {{ when|datetime }} · {{ 0.25|percent }}</p>
<button type="submit">Send</button>
</form>
{% endblock %}"""


def _render(language: str) -> str:
    from datetime import UTC, datetime

    context: dict[str, Any] = {
        "lang": language,
        "dir": LANGUAGES[language].direction,
        "path": "/",
        "languages": [
            {
                "code": c,
                "name": lang.name,
                "dir": lang.direction,
                "href": path_in(c, "/"),
                "url": path_in(c, "/"),
                "current": c == language,
            }
            for c, lang in LANGUAGES.items()
        ],
        "errors": {"email": "Enter an e-mail address like name@example.org", "comment": "Write your comment"},
        "when": datetime(2026, 12, 6, 14, 5, tzinfo=UTC),
    }
    return environment().from_string(PAGE).render(context)


def test_the_error_summary_links_to_each_field_in_error() -> None:
    document = html.fromstring(_render("en"))
    links = document.xpath("//div[@class='error-summary']//a/@href")
    assert links == ["#field-email", "#field-comment"]
    for link in links:
        (control,) = document.xpath(f"//*[@id='{link[1:]}']")
        assert control.get("aria-invalid") == "true"
        described = control.get("aria-describedby").split()
        assert f"{link[1:]}-error" in described  # the error is repeated at the field, and read with it
    assert document.xpath("//input[@id='field-email']/@value") == ["not-an-address"]  # the input is kept


def test_amounts_and_dates_are_written_for_the_language() -> None:
    assert "1 234 567,50 €" in _render("fr").replace("\u202f", " ").replace("\xa0", " ")
    assert "€1,234,567.50" in _render("en") and "December 6, 2026" in _render("en")
    assert "6 декабря 2026" in _render("ru")


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_the_components_are_accessible(browser: Browser, live_url: str, language: str) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_url}/{language}/")  # the stylesheet resolves against the live server
    await page.set_content(_render(language))
    await page.wait_for_load_state("load")
    await assert_accessible(page)
    await context.close()


async def test_a_violation_fails_the_check(browser: Browser, live_url: str) -> None:
    """assert_accessible can fail: an image without a text alternative is reported by its rule."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_url}/en/")
    await page.set_content(
        '<!doctype html><html lang="en"><title>t</title><main><h1>t</h1><img src="/static/favicon.svg"></main>'
    )
    with pytest.raises(AssertionError, match="image-alt"):
        await assert_accessible(page)
    await context.close()
