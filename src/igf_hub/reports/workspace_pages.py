"""The Secretariat's yearly report pages: draft a year's report, write its narrative (English, and translations
labelled when machine-made), compare versions, preview, and publish. Every form calls the ``ReportService``
method the API calls, inside a savepoint of the request transaction: a refusal writes nothing and comes back as
a sentence in the form, with what was written kept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import msgspec
from litestar import get, post
from litestar.response import Redirect, Template

from igf_hub.auth.guards import requires_secretariat
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError
from igf_hub.core.params import Year
from igf_hub.core.settings import Settings
from igf_hub.reports.schemas import LANGUAGES, SOURCE_LANGUAGE, NarrativeSection, State, VersionCreate
from igf_hub.reports.service import ReportService
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import WorkItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render

BASE = "/secretariat/reports"
NO_STORE = {"Cache-Control": "no-store"}
WORKSPACE = [
    WorkItem(
        path=BASE,
        label=N_("The yearly report"),
        roles=frozenset({Role.secretariat}),
        description=N_(
            "Draft the IGF's report to the CSTD from the record, write its narrative and publish it."
        ),
        order=60,
    )
]
NOTICES = {
    "drafted": N_("The report is drafted: its figures come from the record; write its narrative below."),
    "saved": N_("The new version is saved."),
    "published": N_("The report is published, signed, and sent to UNGIS and the CSTD."),
}
NOT_DONE = N_("This could not be done: %(detail)s")
YEAR_RULE = N_("Give a year between 2006 and 2100.")
TEXT_RULE = N_("Each section needs a title (at most 300 characters) and at most 100,000 characters of text.")


async def _attempt(tx: asyncpg.Connection, language: str, act: Callable[[], Awaitable[Any]]) -> str | None:
    """Run ``act`` in a savepoint; the refusal as a sentence in the page's language, or None."""
    try:
        async with tx.transaction():
            await act()
    except DomainError as exc:
        if exc.status == 404:
            raise
        return gettext(language, NOT_DONE) % {"detail": exc.detail}
    return None


class ReportWorkspacePages(PageController):
    guards = [requires_secretariat]

    @get(BASE, name="reports:workspace")
    async def index(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template:
        """Every yearly report, and the form that drafts one."""
        return await self._index(request, db, clock, settings, error=None, year_value="")

    async def _index(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        *,
        error: str | None,
        year_value: str,
        status_code: int = 200,
    ) -> Template:
        reports = await ReportService(conn, clock, settings).reports(request.user)
        csrf = await context_of(request.scope).csrf_token(conn)
        context = {
            "reports": reports,
            "csrf_token": csrf,
            "error": error,
            "year_value": year_value or str(clock.now().year),
        }
        return render(
            request, "reports/workspace/index.html", context, status_code=status_code, headers=NO_STORE
        )

    @post(f"{BASE}/draft", name="reports:draft-form", status_code=303)
    async def draft(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        """Draft a year's report (POST /v1/reports/{year}/draft)."""
        language = i18n.request_language(request)
        raw = await request.form()
        text = str(raw.get("year") or "").strip()
        year = int(text) if text.isdigit() and len(text) == 4 else None
        error = gettext(language, YEAR_RULE) if year is None else None
        if year is not None:
            error = await _attempt(
                tx, language, lambda: ReportService(tx, clock, settings).draft(year, request.user)
            )
        if error is not None or year is None:
            return await self._index(
                request, tx, clock, settings, error=error, year_value=text, status_code=422
            )
        return Redirect(i18n.path_in(language, f"{BASE}/{year}") + "?done=drafted", status_code=303)

    @get(f"{BASE}/{{year:int}}", name="reports:edit")
    async def edit(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        year: Year,
        language: str | None = None,
        done: str | None = None,
        from_version: int | None = None,
        to_version: int | None = None,
    ) -> Template:
        """One report: its versions, the narrative editor in one language, a diff, and publication."""
        editing = language if language in LANGUAGES else SOURCE_LANGUAGE
        return await self._edit(
            request, db, clock, settings, year, editing, done=done, compare=(from_version, to_version)
        )

    async def _edit(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        year: int,
        editing: str,
        *,
        done: str | None = None,
        compare: tuple[int | None, int | None] = (None, None),
        written: list[dict[str, str]] | None = None,
        machine: bool | None = None,
        error: str | None = None,
        status_code: int = 200,
    ) -> Template:
        language = i18n.request_language(request)
        service = ReportService(conn, clock, settings)
        report = await service.get(year, request.user)
        versions = await service.versions(year, request.user)
        newest = {v.language: v for v in versions}
        shown = newest.get(editing) or newest.get(SOURCE_LANGUAGE)
        sections = written or [
            {"id": s.id, "title": s.title, "markdown": s.markdown} for s in (shown.sections if shown else [])
        ]
        diff = None
        if compare[0] and compare[1]:
            try:
                diff = await service.diff(year, compare[0], compare[1], request.user)
            except DomainError as exc:
                if exc.status == 404:
                    raise
                error = gettext(language, NOT_DONE) % {"detail": exc.detail}
        context = {
            "report": report,
            "year": year,
            "published": report.state is State.published,
            "versions": versions,
            "editing": editing,
            "report_languages": LANGUAGES,
            "sections": sections,
            "machine": machine
            if machine is not None
            else bool(shown and shown.language == editing and shown.machine_translation),
            "notice": gettext(language, NOTICES[done]) if done in NOTICES else None,
            "error": error,
            "diff": diff,
            "csrf_token": await context_of(request.scope).csrf_token(conn),
        }
        return render(
            request, "reports/workspace/edit.html", context, status_code=status_code, headers=NO_STORE
        )

    @post(f"{BASE}/{{year:int}}/versions", name="reports:save-form", status_code=303)
    async def save(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, year: Year
    ) -> Template | Redirect:
        """Save a new narrative version (POST /v1/reports/{year}/versions)."""
        language = i18n.request_language(request)
        raw = await request.form()
        editing = str(raw.get("language") or SOURCE_LANGUAGE)
        editing = editing if editing in LANGUAGES else SOURCE_LANGUAGE
        machine = editing != SOURCE_LANGUAGE and str(raw.get("machine_translation") or "") == "on"
        ids = [str(v) for v in raw.getall("section_id", [])] if hasattr(raw, "getall") else []
        titles = raw.getall("section_title", []) if hasattr(raw, "getall") else []
        texts = raw.getall("section_markdown", []) if hasattr(raw, "getall") else []
        written = [
            {"id": i, "title": str(t).strip(), "markdown": str(m).replace("\r\n", "\n")}
            for i, t, m in zip(ids, titles, texts, strict=False)
        ]
        error = None
        try:
            body = VersionCreate(
                language=editing,  # type: ignore[arg-type]
                sections=msgspec.convert(written, list[NarrativeSection]),
                machine_translation=machine,
            )
            body = msgspec.convert(msgspec.to_builtins(body), VersionCreate)  # the API's own limits
        except (msgspec.ValidationError, TypeError):
            error = gettext(language, TEXT_RULE)
        if error is None:
            error = await _attempt(
                tx,
                language,
                lambda: ReportService(tx, clock, settings).save_version(year, body, request.user),
            )
        if error is not None:
            return await self._edit(
                request,
                tx,
                clock,
                settings,
                year,
                editing,
                written=written,
                machine=machine,
                error=error,
                status_code=422,
            )
        return Redirect(
            i18n.path_in(language, f"{BASE}/{year}") + f"?language={editing}&done=saved", status_code=303
        )

    @post(f"{BASE}/{{year:int}}/publish", name="reports:publish-form", status_code=303)
    async def publish(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, year: Year
    ) -> Template | Redirect:
        """Publish the report (POST /v1/reports/{year}/publish)."""
        language = i18n.request_language(request)
        error = await _attempt(
            tx, language, lambda: ReportService(tx, clock, settings).publish(year, request.user)
        )
        if error is not None:
            return await self._edit(
                request, tx, clock, settings, year, SOURCE_LANGUAGE, error=error, status_code=409
            )
        return Redirect(i18n.path_in(language, f"{BASE}/{year}") + "?done=published", status_code=303)
