"""The yearly report's pages: the report in the reader's language (its figures, its narrative — a machine
translation labelled as one —, downloads), its PDF in each language, and the fonts both use. A draft is shown
to the Secretariat only, as the API shows it (the same ``ReportService.get``)."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

import asyncpg
from jinja2 import Environment
from litestar import Request, Response, get
from litestar.response import File, Template
from markdown_it import MarkdownIt

from igf_hub.auth.principal import AnyRequest
from igf_hub.core.caching import PUBLIC_HOUR
from igf_hub.core.clock import Clock
from igf_hub.core.errors import NotFound
from igf_hub.core.params import Year
from igf_hub.core.settings import Settings
from igf_hub.reports import fonts, pdf
from igf_hub.reports.schemas import LANGUAGES, SOURCE_LANGUAGE, Report, State
from igf_hub.reports.service import ReportService
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.formatting import date_text, money_text, number_text
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.templating import WEB_CSP, environment, render

_MARKDOWN = MarkdownIt("commonmark", {"html": False})
# The page loads its fonts from this site (reports/fonts.py); nothing else changes in the web policy.
HEADERS = {"Content-Security-Policy": f"{WEB_CSP}; font-src 'self'"}
DIMENSION_NAMES = {
    "type": N_("Type"),
    "regional_group": N_("UN regional group"),
    "stakeholder_group": N_("Stakeholder group"),
    "gender": N_("Gender"),
    "track_type": N_("Type of track"),
    "wsis_action_line": N_("WSIS Action Line"),
    "sdg": N_("SDG"),
    "gdc_objective": N_("GDC objective"),
    "outcome": N_("Outcome"),
    "donor_type": N_("Donor type"),
}
NONE = N_("none")
# The PDF's page: A4, the report's fonts, tables that break across pages.
PRINT_CSS = """
body {{ font-family: {families}; font-size: 10.5pt; line-height: 1.45; margin: 0; color: #111; }}
@page {{ size: A4; margin: 18mm 16mm; }}
h1 {{ font-size: 20pt; }} h2 {{ font-size: 14pt; margin-top: 1.4em; }}
table {{ border-collapse: collapse; width: 100%; margin: 0.8em 0 1.2em; page-break-inside: auto; }}
caption {{ font-weight: bold; text-align: start; padding: 0.3em 0; }}
th, td {{ border: 1px solid #999; padding: 0.2em 0.4em; text-align: start; vertical-align: top; }}
td.num {{ text-align: end; white-space: nowrap; }}
a {{ color: #1f5f99; text-decoration: none; }}
.notice {{ border-inline-start: 3px solid #e07b39; padding-inline-start: 0.5em; }}
"""


@functools.cache
def _print_environment() -> Environment:
    return environment()


def markdown(text: str) -> str:
    """HTML of the Secretariat's Markdown; the template marks it safe, since markdown-it escapes (html=False)."""
    html: str = _MARKDOWN.render(text)
    return html


def _value(figure: Any, language: str) -> str:
    if figure.unit == "usd":
        return money_text(Decimal(str(figure.value)), "USD", language)
    if figure.unit == "share":
        return number_text(Decimal(str(figure.value)), language)
    return number_text(int(figure.value), language)


def _breakdown(figure: Any, language: str) -> str:
    parts = []
    for name, value in figure.dimensions.items():
        shown = gettext(language, NONE) if value is None else str(value).replace("_", " ")
        parts.append(f"{gettext(language, DIMENSION_NAMES.get(name, name))}: {shown}")
    return "; ".join(parts)


def view(report: Report, language: str) -> dict[str, Any]:
    """What the page and the PDF show: the narrative in ``language`` (English where there is no translation)
    and every figure, written for the language."""
    by_language = {v.language: v for v in report.narrative}
    english = by_language.get(SOURCE_LANGUAGE)
    shown = by_language.get(language) or english
    sections = []
    if shown is not None:
        for s in shown.sections:
            sections.append({"id": s.id, "title": s.title, "html": markdown(s.markdown)})
    return {
        "report": report,
        "year": report.year,
        "published": report.state is State.published,
        "published_on": date_text(report.published_at, language) if report.published_at else None,
        "narrative_language": shown.language if shown else SOURCE_LANGUAGE,
        "untranslated": shown is not None and shown.language != language,
        "machine": shown is not None and shown.machine_translation,
        "narrative": sections,
        "sections": [
            {
                "name": section.name,
                "title": section.title,
                "rows": [
                    {
                        "label": f.label,
                        "breakdown": _breakdown(f, language),
                        "value": _value(f, language),
                        "source": f.source,
                        "links": f.links,
                    }
                    for f in section.figures
                ],
            }
            for section in report.figures.sections
        ],
        "report_languages": LANGUAGES,
    }


class ReportPages(PageController):
    @get("/reports/{year:int}", name="reports:page")
    async def page(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings, year: Year
    ) -> Template:
        """The yearly report in the reader's language (a draft: the Secretariat's preview)."""
        language = i18n.request_language(request)
        report = await ReportService(db, clock, settings).get(year, request.user)
        headers = {
            **HEADERS,
            "Cache-Control": "no-store" if report.state is State.draft else "public, max-age=300",
        }
        return render(request, "reports/report.html", view(report, language), headers=headers)

    @get("/reports/{year:int}/report.pdf", name="reports:pdf")
    async def pdf(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        year: Year,
        lang: str | None = None,
    ) -> Response[bytes]:
        """The yearly report as a PDF in one of the six languages (``?lang=``; default the reader's)."""
        language = lang if lang in LANGUAGES else i18n.request_language(request)
        report = await ReportService(db, clock, settings).get(year, request.user)
        context = view(report, language)
        faces = fonts.font_face_css({f.name: f.path.as_uri() for f in fonts.fonts()})
        html = (
            _print_environment()
            .get_template("reports/print.html")
            .render(
                **context,
                lang=language,
                dir="rtl" if language == "ar" else "ltr",
                print_css=faces + PRINT_CSS.format(families=fonts.FAMILIES),
                base=settings.base_url,
            )
        )
        document = await pdf.print_pdf(html, settings)
        return Response(
            document,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="igf-yearly-report-{year}-{language}.pdf"',
                "Content-Language": language,
                "Cache-Control": "no-store" if report.state is State.draft else "public, max-age=3600",
            },
        )

    @get("/reports/fonts.css", name="reports:fonts-css", cache_control=PUBLIC_HOUR)
    async def fonts_css(self, lang: str | None = None) -> Response[str]:
        """The @font-face rules of the font a language's report page needs (served from this site, from the
        font packages); none for a language the site's font stack covers."""
        css = fonts.font_face_css(only=fonts.WEB.get(lang or "", ()))
        return Response(css, media_type="text/css")

    @get("/reports/fonts/{name:str}", name="reports:font", cache_control=PUBLIC_HOUR)
    async def font(self, request: Request[Any, Any, Any], name: str) -> File:
        """One font file, from its package."""
        font = fonts.by_name(name)
        if font is None:
            raise NotFound(f"there is no font {name}")
        return File(path=font.path, media_type=font.media_type, content_disposition_type="inline")
