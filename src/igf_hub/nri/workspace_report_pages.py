"""The annual activity report in the coordinator's workspace: the year's meeting, participation by stakeholder
group and gender, topics, links; "copy last year's report as a start"; the overdue banner. Each write calls the
report service the API calls (nri/report_service.py), in a savepoint, and a refusal is a sentence in the form.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import get, post
from litestar.response import Redirect, Template

from igf_hub.auth.principal import AnyRequest, Principal
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError, IllegalTransition, PreconditionFailed
from igf_hub.core.schemas import Year, dec_hook
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.nri.errors import (
    NotNriCoordinator,
    NriNotFound,
    ReportExists,
    ReportInvalid,
    ReportNotAccepted,
    ReportNotFound,
)
from igf_hub.nri.pages import FORMAT_NAMES, country_options
from igf_hub.nri.report_forms import NOT_STARTED, ReportForm
from igf_hub.nri.report_schemas import MeetingFormat, NriReport, NriReportCreate, NriReportPatch
from igf_hub.nri.report_service import ReportService, content_of
from igf_hub.nri.schemas import Nri
from igf_hub.nri.service import NriService
from igf_hub.nri.workspace_forms import GENDER_NAMES
from igf_hub.nri.workspace_pages import BASE, _page, _token
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first, signed_in
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.vocabulary import STAKEHOLDER_GROUP_NAMES

NOTICES = {
    "saved": N_("The report is saved as a draft."),
    "submitted": N_("The report is published. Thank you."),
    "revised": N_("The published report is updated: the change is kept as a new version."),
}
NO_REPORT_TO_COPY = N_("There is no report for %(year)d to copy.")
COPIED = N_(
    "Last year's report is copied below, its meeting days moved to this year. Check each field, then save."
)
NOT_RECOGNISED = N_("Only a recognised initiative reports its activity.")
ALREADY = N_("This report is already published.")
EXISTS = N_("A report for this year was started meanwhile: open it again to edit it.")
STALE = N_(
    "Someone else saved this report while you were editing it. Your input is kept below: check it, then save again."
)


class NriReportPages(PageController):
    path = BASE

    @get("/{nri_id:uuid}/reports/{year:int}", name="nri-workspace-report")
    async def report_page(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nri_id: UUID,
        year: int,
        done: str | None = None,
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, f"{BASE}/{nri_id}/reports/{year}")
        _check_year(year)
        nri, report = await _load(db, clock, settings, nri_id, year, person)
        form = ReportForm.from_content(year, content_of(report)) if report else ReportForm(year, _empty())
        return await _form_page(
            request, db, clock, settings, nri, report, form, notice=NOTICES.get(done or "")
        )

    @post("/{nri_id:uuid}/reports/{year:int}", name="nri-workspace-report-save", status_code=303)
    async def save(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nri_id: UUID,
        year: int,
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, f"{BASE}/{nri_id}/reports/{year}")
        _check_year(year)
        raw = await request.form()
        action = str(raw.get("action") or "save")
        nri, report = await _load(tx, clock, settings, nri_id, year, person)
        reports = ReportService(tx, clock, settings)
        if action == "copy":
            return await self._copy(request, tx, clock, settings, nri, report, year, person)
        form = ReportForm.from_request(year, raw)
        if form.errors:
            return await _form_page(request, tx, clock, settings, nri, report, form, status_code=422, raw=raw)
        version = str(raw.get("version") or "")
        try:
            async with tx.transaction():
                if report is None:
                    report = await reports.create(
                        nri_id,
                        msgspec.convert(form.content, NriReportCreate, dec_hook=dec_hook),
                        actor=person,
                    )
                else:
                    saved = content_of(report)
                    form.keep_classifications(saved)
                    changes = {k: v for k, v in form.content.items() if k != "year" and v != saved.get(k)}
                    report = await reports.patch(
                        nri_id,
                        year,
                        msgspec.convert(changes, NriReportPatch, dec_hook=dec_hook),
                        expected_version=int(version) if version.isdigit() else -1,
                        actor=person,
                    )
        except PreconditionFailed:
            form.errors["form"] = STALE
            return await _form_page(
                request, tx, clock, settings, nri, report, form, status_code=409, raw=None
            )
        except (NotNriCoordinator, NriNotFound):
            raise
        except DomainError as exc:
            _refused(form, exc)
            return await _form_page(request, tx, clock, settings, nri, report, form, status_code=422, raw=raw)
        language = i18n.request_language(request)
        here = i18n.path_in(language, f"{BASE}/{nri_id}/reports/{year}")
        if action != "submit" or report.status == "submitted":
            done = "revised" if report.status == "submitted" else "saved"
            return Redirect(f"{here}?done={done}", status_code=303)
        try:
            async with tx.transaction():
                await reports.submit(nri_id, year, expected_version=report.version, actor=person)
        except (NotNriCoordinator, NriNotFound):
            raise
        except DomainError as exc:
            _refused(form, exc)
            form.errors.setdefault("form", N_("The report is saved as a draft, but it was not published."))
            return await _form_page(request, tx, clock, settings, nri, report, form, status_code=422)
        return Redirect(f"{here}?done=submitted", status_code=303)

    async def _copy(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nri: Nri,
        report: NriReport | None,
        year: int,
        person: Principal,
    ) -> Template:
        try:
            last = await ReportService(conn, clock, settings).get(nri.id, year - 1, actor=person)
        except ReportNotFound:
            form = ReportForm(year, _empty())
            form.errors["copy"] = NO_REPORT_TO_COPY
            return await _form_page(request, conn, clock, settings, nri, report, form, status_code=422)
        form = ReportForm.from_content(year, content_of(last))
        form.copied_from(year - 1)
        return await _form_page(request, conn, clock, settings, nri, report, form, notice=COPIED)


def _check_year(year: int) -> None:
    try:
        msgspec.convert(year, Year)
    except msgspec.ValidationError:
        raise ReportNotFound(f"no report for {year}") from None


async def _load(
    conn: asyncpg.Connection, clock: Clock, settings: Settings, nri_id: UUID, year: int, person: Principal
) -> tuple[Nri, NriReport | None]:
    """The NRI (for its managers only: the service's guard) and its report for the year, if one was started."""
    nri = await NriService(conn, clock, settings).load_managed(nri_id, actor=person)
    try:
        report = await ReportService(conn, clock, settings).get(nri_id, year, actor=person)
    except ReportNotFound:
        report = None
    return nri, report


def _empty() -> dict[str, Any]:
    form = ReportForm.from_content(0, {})
    return form.values


def _refused(form: ReportForm, exc: DomainError) -> None:
    if isinstance(exc, ReportNotAccepted):
        form.errors.setdefault("form", NOT_RECOGNISED)
    elif isinstance(exc, ReportExists):
        form.errors.setdefault("form", EXISTS)
    elif isinstance(exc, IllegalTransition):
        form.errors.setdefault("form", ALREADY)
    elif isinstance(exc, ReportInvalid) and any(e.pointer == "/meeting_start" for e in exc.errors or []):
        form.errors.setdefault("meeting_start", NOT_STARTED)
    else:
        form.errors.setdefault("form", str(exc))


async def _form_page(
    request: AnyRequest,
    conn: asyncpg.Connection,
    clock: Clock,
    settings: Settings,
    nri: Nri,
    report: NriReport | None,
    form: ReportForm,
    *,
    status_code: int = 200,
    notice: str | None = None,
    raw: Mapping[str, Any] | None = None,
) -> Template:
    language = i18n.request_language(request)
    _ = functools.partial(gettext, language)
    overdue = [
        item
        for item in (await ReportService(conn, clock, settings).overdue()).items
        if item.nri_id == nri.id and item.year == form.year
    ]
    errors = {
        name: _(message) % {"year": form.year - 1} if name == "copy" else _(message)
        for name, message in form.errors.items()
    }
    version = str(report.version) if report else ""
    return _page(
        request,
        "nri/workspace/report.html",
        {
            "nri": nri,
            "report": report,
            "year": form.year,
            "form": form.values,
            "errors": errors,
            "notice": notice,
            "overdue": overdue[0] if overdue else None,
            "csrf_token": await _token(request, conn),
            "version": version,
            "action": i18n.path_in(language, f"{BASE}/{nri.id}/reports/{form.year}"),
            "nri_url": i18n.path_in(language, f"{BASE}/{nri.id}"),
            "mine_url": i18n.path_in(language, BASE),
            "format_options": [("", _("Choose one"))]
            + [(f.value, _(FORMAT_NAMES[f])) for f in MeetingFormat],
            "country_options": [("", _("Not given")), *country_options(language)],
            "groups": [(g.value, _(STAKEHOLDER_GROUP_NAMES[g])) for g in StakeholderGroup],
            "genders": [(g.value, _(name)) for g, name in GENDER_NAMES.items()],
        },
        status_code,
    )
