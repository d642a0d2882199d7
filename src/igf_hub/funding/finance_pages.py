"""The Secretariat's finance pages (issue 20): contributions with their ledger; recording a ledger event with a
preview of its US dollar amount and the rate it would use; reversals with a reason; uploading exchange rates.

Every write goes through the services ``/v1/funding`` calls (``LedgerService``, ``RateService``), so the same rules
refuse the same things; a refusal is said at the field in the reader's language, the input kept. The preview is
the real ``LedgerService.record_event`` run in a savepoint that is then rolled back: it shows exactly the amount
and rate recording would freeze (or exactly why it would be refused), and leaves nothing behind. It works as a
plain "Preview" button without JavaScript; with htmx the preview follows the form as it is filled. Templates are
in ``templates/funding/finance/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
from litestar import get, post
from litestar.response import Redirect, Template

from igf_hub.auth.principal import AnyRequest, Principal, Role
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError, Forbidden, IllegalTransition, PreconditionFailed
from igf_hub.core.settings import Settings
from igf_hub.funding import currencies
from igf_hub.funding.errors import (
    FundedByAnotherProgramme,
    InvalidEvent,
    InvalidGrant,
    InvalidRates,
    MissingExchangeRate,
    NriGrantAlreadyExists,
    RateAlreadyRecorded,
)
from igf_hub.funding.grant_service import TRANSITIONS, GrantService
from igf_hub.funding.ledger_service import LedgerService
from igf_hub.funding.pages import KIND_NAMES
from igf_hub.funding.rate_service import RateService
from igf_hub.funding.schemas import (
    EventCreate,
    EventKind,
    GrantProgramme,
    GrantStatus,
    GrantTransition,
    LedgerEvent,
    NriGrantCreate,
)
from igf_hub.funding.service import FundingService
from igf_hub.funding.workspace_pages import EARMARK_NAMES, GRANT_STATUS_NAMES
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import WorkItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render

NO_STORE = {"Cache-Control": "no-store"}
MAX_RATE_BYTES = 1_000_000

WORKSPACE = [
    WorkItem(
        path="/finance",
        label=N_("Finance"),
        roles=frozenset({Role.secretariat}),
        description=N_(
            "Record pledges, receipts and reversals with their US dollar value; upload exchange rates."
        ),
        order=55,
    )
]
ENTRY_KINDS = (EventKind.pledge, EventKind.commitment, EventKind.receipt, EventKind.in_kind_valuation)
NOTICES = {
    "recorded": N_("The entry is recorded in the ledger."),
    "reversed": N_("The reversal is recorded in the ledger."),
}
CHOOSE_KIND = N_("Choose the kind of entry.")
ENTER_AMOUNT = N_(
    "Enter the amount as a positive number, like 1250.50, with no more decimal places than the currency has."
)
ENTER_CURRENCY = N_("Enter a currency as its three-letter ISO code, like EUR.")
ENTER_DATE = N_("Enter the value date as year-month-day, like 2026-03-01, no later than today.")
DUE_DATE = N_("Only a pledge has a due date, and it cannot fall before the pledge was made.")
KIND_REFUSED = N_(
    "This kind of entry does not fit this contribution: an in-kind contribution records valuations, others receipts."
)
MISSING_RATE = N_("There is no %(currency)s rate in force on %(date)s. Upload one on the rates page first.")
ENTER_REASON = N_("Give the reason for the reversal.")
REVERSE_REFUSED = N_(
    "This entry cannot be reversed: it is a reversal itself, already fully reversed, or the amount is more than is left."
)
RATES_FILE = N_("Choose a CSV file with the columns currency, effective_on, usd_per_unit, source.")
RATES_REFUSED = N_("The file has rows that cannot be read; nothing was stored. Check the rows listed below.")
RATES_CONFLICT = N_(
    "Some rates differ from the ones recorded; nothing was stored. To replace them, tick “correction” and give a reason."
)
RATES_REASON = N_("Say why the recorded rates are corrected.")
RATES_DONE = N_("%(added)s rates added, %(corrected)s corrected, %(unchanged)s already recorded.")
# What is wrong with each line of an uploaded file, by the service's pointer (/rows/<line>/<column>).
ROW_PROBLEMS = {
    "currency": N_("Line %(line)s: the currency is not a three-letter ISO code."),
    "effective_on": N_("Line %(line)s: the date must be a real date, like 2026-03-01."),
    "usd_per_unit": N_("Line %(line)s: the rate must be a positive decimal number, like 1.085."),
    "source": N_("Line %(line)s: name the source of the rate."),
    "": N_("Line %(line)s: this currency and date appear twice in the file."),
}
ROW_CONFLICT = N_("Line %(line)s: this rate differs from the one recorded for that currency and date.")
FILE_PROBLEMS = {
    "/header": N_("The first line must be exactly: currency,effective_on,usd_per_unit,source."),
    "/rows": N_("The file has no rows."),
    "": N_("The file is not UTF-8 text."),
}
FIELD_OF = {
    "/kind": "kind",
    "/amount": "amount",
    "/currency": "currency",
    "/value_date": "value_date",
    "/due_on": "due_on",
    "/reason": "reason",
    "/reverses": "reason",
}
SENTENCE_OF = {
    "kind": KIND_REFUSED,
    "amount": ENTER_AMOUNT,
    "currency": ENTER_CURRENCY,
    "value_date": ENTER_DATE,
    "due_on": DUE_DATE,
    "reason": REVERSE_REFUSED,
}


def _rate_problems(language: str, exc: DomainError, *, conflict: bool = False) -> list[str]:
    """The service's reasons, one sentence per bad line, in the reader's language."""
    out = []
    for error in exc.errors:
        if error.pointer == "/reason":
            continue
        parts = error.pointer.split("/")  # "", "rows", line, column
        if len(parts) >= 3 and parts[1] == "rows" and parts[2].isdigit():
            column = parts[3] if len(parts) > 3 else ""
            message = ROW_CONFLICT if conflict else ROW_PROBLEMS.get(column, ROW_PROBLEMS[""])
            out.append(gettext(language, message) % {"line": parts[2]})
        else:
            out.append(gettext(language, FILE_PROBLEMS.get(error.pointer, FILE_PROBLEMS["/rows"])))
    return out


class _Rollback(Exception):
    """Leaves the preview's savepoint with what recording would have written, then nothing."""

    def __init__(self, event: LedgerEvent) -> None:
        super().__init__("preview")
        self.event = event


def _secretariat(request: AnyRequest) -> Principal | Redirect:
    person = request.user
    if not person.is_authenticated:
        return sign_in_first(request, request.url.path)
    if not person.has_role(Role.secretariat):
        raise Forbidden("the finance pages are the Secretariat's")
    return person


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


def _csrf(request: AnyRequest) -> str:
    session = context_of(request.scope).session
    return session.csrf_token if session is not None else ""


def _event_from(form: Mapping[str, str]) -> tuple[EventCreate | None, dict[str, str]]:
    """The form as the API's body, or the errors the API's body validation would name (as sentences)."""
    errors: dict[str, str] = {}
    kind = EventKind(form["kind"]) if form["kind"] in set(EventKind) else None
    if kind is None:
        errors["kind"] = CHOOSE_KIND
    amount: Decimal | None = None
    if form["amount"]:
        try:
            amount = Decimal(form["amount"].replace(",", ""))
        except InvalidOperation:
            errors["amount"] = ENTER_AMOUNT
        else:
            if not amount.is_finite() or amount <= 0:
                errors["amount"] = ENTER_AMOUNT
    elif kind is not EventKind.reversal:
        errors["amount"] = ENTER_AMOUNT
    currency = form["currency"].upper() or None
    known = currency is not None and currencies.is_known(currency)
    if (currency is not None and not known) or (currency is None and kind is not EventKind.reversal):
        errors["currency"] = ENTER_CURRENCY
    dates: dict[str, date | None] = {}
    for name in ("value_date", "due_on"):
        try:
            dates[name] = date.fromisoformat(form[name]) if form[name] else None
        except ValueError:
            errors[name] = ENTER_DATE if name == "value_date" else DUE_DATE
    if "value_date" not in errors and dates.get("value_date") is None:
        errors["value_date"] = ENTER_DATE
    if errors or kind is None:
        return None, errors
    reverses = None
    if form.get("reverses"):
        try:
            reverses = UUID(form["reverses"])
        except ValueError:
            return None, {"reason": REVERSE_REFUSED}
    value_date = dates["value_date"]
    assert value_date is not None
    return (
        EventCreate(
            kind=kind,
            amount=amount,
            currency=currency,
            value_date=value_date,
            due_on=dates.get("due_on"),
            reverses=reverses,
            reason=form.get("reason") or None,
            description=form.get("description") or None,
        ),
        {},
    )


def _refusal(language: str, exc: DomainError, data: EventCreate) -> dict[str, str]:
    """The service's refusal at the form's fields, as sentences."""
    if isinstance(exc, MissingExchangeRate):
        missing = exc.extra.get("missing_rate", {})
        return {
            "currency": gettext(language, MISSING_RATE)
            % {
                "currency": missing.get("currency", data.currency),
                "date": missing.get("date", data.value_date),
            }
        }
    errors: dict[str, str] = {}
    for error in exc.errors:
        field = FIELD_OF.get(error.pointer, "amount")
        if error.pointer == "/reason":
            errors.setdefault("reason", gettext(language, ENTER_REASON))
        else:
            errors.setdefault(field, gettext(language, SENTENCE_OF[field]))
    return errors or {"amount": gettext(language, ENTER_AMOUNT)}


class FinancePages(PageController):
    @get("/finance", operation_id="FinancePage")
    async def home(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        person = _secretariat(request)
        if isinstance(person, Redirect):
            return person
        page = await FundingService(db, clock, settings).list_contributions(
            actor=person,
            donor_id=None,
            channel=None,
            earmark=None,
            year=None,
            cursor=request.query_params.get("cursor"),
            limit=50,
        )
        language = i18n.request_language(request)
        next_url = (
            i18n.path_in(language, "/finance") + "?" + urlencode({"cursor": page.next_cursor})
            if page.next_cursor
            else None
        )
        return render(
            request,
            "funding/finance/home.html",
            {"contributions": page.items, "next_url": next_url, "earmark_names": EARMARK_NAMES},
            headers=NO_STORE,
        )

    @get("/finance/contributions/{contribution_id:uuid}", operation_id="FinanceContributionPage")
    async def contribution(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        contribution_id: UUID,
    ) -> Template | Redirect:
        person = _secretariat(request)
        if isinstance(person, Redirect):
            return person
        token = await context_of(request.scope).csrf_token(db)
        form = {"kind": "receipt", "value_date": clock.now().date().isoformat()}
        reverse = request.query_params.get("reverse")
        try:
            reversal_of = str(UUID(reverse)) if reverse else None
        except ValueError:
            reversal_of = None  # not an entry's id: the ordinary form
        if reversal_of:
            form = {"kind": "reversal", "reverses": reversal_of, "value_date": form["value_date"]}
        return await self._page(
            request, db, clock, settings, person, contribution_id, token, form, reversal_of=reversal_of
        )

    async def _page(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        person: Principal,
        contribution_id: UUID,
        token: str,
        form: Mapping[str, str],
        errors: Mapping[str, str] | None = None,
        preview: LedgerEvent | None = None,
        reversal_of: str | None = None,
        status_code: int = 200,
    ) -> Template:
        ledger = LedgerService(conn, clock, settings)
        contribution = await ledger.funding.get_contribution(contribution_id, actor=person)
        events = (await ledger.list_events(contribution_id, actor=person, cursor=None, limit=1000)).items
        language = i18n.request_language(request)
        done = request.query_params.get("done")
        return render(
            request,
            "funding/finance/contribution.html",
            {
                "contribution": contribution,
                "donor": await ledger.funding.get_donor(contribution.donor_id, actor=person),
                "events": events,
                "reversed": {e.reverses_id for e in events if e.reverses_id},
                "kind_names": KIND_NAMES,
                "kind_options": [(k.value, gettext(language, KIND_NAMES[k])) for k in ENTRY_KINDS],
                "form": form,
                "errors": dict(errors or {}),
                "preview": preview,
                "reversal_of": reversal_of,
                "csrf_token": token,
                "notice": gettext(language, NOTICES[done]) if done in NOTICES else None,
                "earmark_names": EARMARK_NAMES,
            },
            status_code=status_code,
            headers=NO_STORE,
        )

    @post(
        "/finance/contributions/{contribution_id:uuid}/events",
        operation_id="RecordLedgerEventForm",
        status_code=303,
    )
    async def record(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        contribution_id: UUID,
    ) -> Template | Redirect:
        """ "Preview" (the plain button, or htmx as the form changes) runs the recording and rolls it back;
        "Record" records. A reversal comes from its own form, with ``reverses`` and a reason."""
        person = _secretariat(request)
        if isinstance(person, Redirect):
            return person
        raw = await request.form()
        names = ("kind", "amount", "currency", "value_date", "due_on", "description", "reverses", "reason")
        form = {name: _text(raw, name) for name in names}
        form["currency"] = form["currency"].upper()
        previewing = _text(raw, "action") == "preview"
        language = i18n.request_language(request)
        data, errors = _event_from(form)
        reversal_of = form["reverses"] or None
        if data is not None and data.kind is EventKind.reversal and not data.reason:
            errors = {"reason": ENTER_REASON}
            data = None
        if errors:
            text = {name: gettext(language, message) for name, message in errors.items()}
            return await self._page(
                request,
                tx,
                clock,
                settings,
                person,
                contribution_id,
                _csrf(request),
                form,
                text,
                None,
                reversal_of,
                422,
            )
        assert data is not None
        ledger = LedgerService(tx, clock, settings)
        try:
            if previewing:
                try:
                    async with tx.transaction():
                        raise _Rollback(await ledger.record_event(contribution_id, data, actor=person))
                except _Rollback as preview:
                    return await self._page(
                        request,
                        tx,
                        clock,
                        settings,
                        person,
                        contribution_id,
                        _csrf(request),
                        form,
                        None,
                        preview.event,
                        reversal_of,
                    )
            async with tx.transaction():  # a savepoint: a refusal leaves nothing half-written
                await ledger.record_event(contribution_id, data, actor=person)
        except (InvalidEvent, MissingExchangeRate) as exc:
            return await self._page(
                request,
                tx,
                clock,
                settings,
                person,
                contribution_id,
                _csrf(request),
                form,
                _refusal(language, exc, data),
                None,
                reversal_of,
                422,
            )
        done = "reversed" if data.kind is EventKind.reversal else "recorded"
        return Redirect(
            i18n.path_in(language, f"/finance/contributions/{contribution_id}") + f"?done={done}",
            status_code=303,
        )

    # -- exchange rates ----------------------------------------------------------------------------------

    @get("/finance/rates", operation_id="FinanceRatesPage")
    async def rates(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        person = _secretariat(request)
        if isinstance(person, Redirect):
            return person
        token = await context_of(request.scope).csrf_token(db)
        return await self._rates(request, db, clock, settings, token, {}, {})

    async def _rates(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        token: str,
        form: Mapping[str, str],
        errors: Mapping[str, str],
        rows: list[str] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        recorded = await RateService(conn, clock, settings).list_rates(currency=None, cursor=None, limit=100)
        return render(
            request,
            "funding/finance/rates.html",
            {
                "rates": recorded.items,
                "csrf_token": token,
                "form": form,
                "errors": dict(errors),
                "rows": rows or [],
                "notice": notice,
            },
            status_code=status_code,
            headers=NO_STORE,
        )

    @post("/finance/rates", operation_id="UploadRatesForm", status_code=200)
    async def upload(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        person = _secretariat(request)
        if isinstance(person, Redirect):
            return person
        raw = await request.form()
        upload = raw.get("file")
        body = b""
        if upload is not None and hasattr(upload, "read"):
            body = await upload.read(MAX_RATE_BYTES + 1)
        body = body or _text(raw, "rows").encode()
        form = {
            "correction": "1" if _text(raw, "correction") else "",
            "reason": _text(raw, "reason"),
            "rows": _text(raw, "rows"),
        }
        language = i18n.request_language(request)
        token = _csrf(request)
        if not body.strip() or len(body) > MAX_RATE_BYTES:
            return await self._rates(
                request,
                tx,
                clock,
                settings,
                token,
                form,
                {"file": gettext(language, RATES_FILE)},
                status_code=422,
            )
        try:
            async with tx.transaction():
                done = await RateService(tx, clock, settings).upload_rates_csv(
                    body, actor=person, correction=bool(form["correction"]), reason=form["reason"] or None
                )
        except InvalidRates as exc:
            if any(e.pointer == "/reason" for e in exc.errors):
                errors = {"reason": gettext(language, RATES_REASON)}
            else:
                errors = {"file": gettext(language, RATES_REFUSED)}
            rows = _rate_problems(language, exc)
            return await self._rates(request, tx, clock, settings, token, form, errors, rows, status_code=422)
        except RateAlreadyRecorded as exc:
            rows = _rate_problems(language, exc, conflict=True)
            return await self._rates(
                request,
                tx,
                clock,
                settings,
                token,
                form,
                {"correction": gettext(language, RATES_CONFLICT)},
                rows,
                status_code=409,
            )
        notice = gettext(language, RATES_DONE) % {
            "added": done.added,
            "corrected": done.corrected,
            "unchanged": done.unchanged,
        }
        return await self._rates(request, tx, clock, settings, token, {}, {}, notice=notice)


# -- NRI grants, from request to payment -------------------------------------------------------------------

PROGRAMME_NAMES = {
    GrantProgramme.igf_secretariat: N_("IGF Secretariat"),
    GrantProgramme.igfsa: N_("IGF Support Association"),
    GrantProgramme.other: N_("Another programme"),
}
GRANT_NOTICES = {
    "applied": N_("The application is recorded."),
    "approved": N_("The grant is approved."),
    "declined": N_("The application is declined."),
    "paid": N_("The grant is recorded as paid."),
    "reported": N_("The NRI's report is recorded."),
}
CHOOSE_NRI = N_("Choose a recognised NRI from the list.")
CHOOSE_PROGRAMME = N_("Choose the programme; name it when it is another programme.")
ENTER_YEAR = N_("Enter the year of the grant, like 2026.")
ENTER_USD = N_(
    "Enter a positive US dollar amount with at most 2 decimal places, within the ceiling for the NRI's type."
)
GRANT_EXISTS = N_("This programme already has a grant for this NRI in that year.")
OTHER_PROGRAMME = N_(
    "This NRI is already funded that year by another programme: the programmes do not fund the same NRI twice."
)
GIVE_DECISION_REASON = N_("A declined application gives its reason.")
ENTER_PAID_ON = N_("Enter the payment date as year-month-day, not in the future.")
ENTER_REPORT_URL = N_("Link the NRI's report on the use of the grant, starting with https://.")
GRANT_STALE = N_("Someone changed this grant after you opened the page. Here it is as it is now.")
GRANT_STEP_REFUSED = N_("This step is not possible from the grant's current state.")
GRANT_FIELD_OF = {
    "/nri_id": "nri_id",
    "/programme_detail": "programme",
    "/amount_requested": "amount",
    "/amount_approved": "amount",
    "/reason": "reason",
    "/paid_on": "paid_on",
    "/report_url": "report_url",
}
GRANT_SENTENCE_OF = {
    "nri_id": CHOOSE_NRI,
    "programme": CHOOSE_PROGRAMME,
    "amount": ENTER_USD,
    "reason": GIVE_DECISION_REASON,
    "paid_on": ENTER_PAID_ON,
    "report_url": ENTER_REPORT_URL,
}


def _grant_errors(language: str, exc: DomainError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors:
        field = GRANT_FIELD_OF.get(error.pointer, "amount")
        errors.setdefault(field, gettext(language, GRANT_SENTENCE_OF[field]))
    return errors or {"amount": gettext(language, ENTER_USD)}


def _usd(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


class GrantPages(PageController):
    @get("/finance/grants", operation_id="FinanceGrantsPage")
    async def grants(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        person = _secretariat(request)
        if isinstance(person, Redirect):
            return person
        token = await context_of(request.scope).csrf_token(db)
        form = {"year": str(clock.now().year), "programme": GrantProgramme.igf_secretariat.value}
        return await self._list(request, db, clock, settings, token, form, {})

    async def _list(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        token: str,
        form: Mapping[str, str],
        errors: Mapping[str, str],
        status_code: int = 200,
    ) -> Template:
        grants = GrantService(conn, clock, settings)
        page = await grants.list_grants(
            nri_id=None,
            year=None,
            programme=None,
            status=None,
            cursor=request.query_params.get("cursor"),
            limit=50,
        )
        language = i18n.request_language(request)
        nris = await grants.recognised_nris()
        return render(
            request,
            "funding/finance/grants.html",
            {
                "grants": page.items,
                "next_url": i18n.path_in(language, "/finance/grants")
                + "?"
                + urlencode({"cursor": page.next_cursor})
                if page.next_cursor
                else None,
                "nri_options": [("", gettext(language, N_("Choose an NRI")))]
                + [(str(n.nri_id), n.name or str(n.nri_id)) for n in nris],
                "programme_options": [
                    (p.value, gettext(language, PROGRAMME_NAMES[p])) for p in GrantProgramme
                ],
                "status_names": GRANT_STATUS_NAMES,
                "programme_names": PROGRAMME_NAMES,
                "csrf_token": token,
                "form": form,
                "errors": dict(errors),
            },
            status_code=status_code,
            headers=NO_STORE,
        )

    @post("/finance/grants", operation_id="ApplyNriGrantForm", status_code=303)
    async def apply(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        person = _secretariat(request)
        if isinstance(person, Redirect):
            return person
        raw = await request.form()
        form = {
            n: _text(raw, n)
            for n in ("nri_id", "programme", "programme_detail", "year", "amount", "evidence")
        }
        errors: dict[str, str] = {}
        try:
            nri_id: UUID | None = UUID(form["nri_id"])
        except ValueError:
            nri_id, errors["nri_id"] = None, CHOOSE_NRI
        programme = GrantProgramme(form["programme"]) if form["programme"] in set(GrantProgramme) else None
        if programme is None:
            errors["programme"] = CHOOSE_PROGRAMME
        year = int(form["year"]) if form["year"].isdigit() and 2006 <= int(form["year"]) <= 2100 else None
        if year is None:
            errors["year"] = ENTER_YEAR
        amount = _usd(form["amount"])
        if amount is None:
            errors["amount"] = ENTER_USD
        language = i18n.request_language(request)
        if (
            not errors
            and nri_id is not None
            and programme is not None
            and year is not None
            and amount is not None
        ):
            data = NriGrantCreate(
                programme=programme,
                programme_detail=form["programme_detail"][:200] or None,
                nri_id=nri_id,
                year=year,
                amount_requested=amount,
                co_funding_evidence=form["evidence"][:20_000],
            )
            try:
                async with tx.transaction():
                    grant = await GrantService(tx, clock, settings).apply(data, actor=person)
            except InvalidGrant as exc:
                translated = _grant_errors(language, exc)
            except NriGrantAlreadyExists:
                translated = {"programme": gettext(language, GRANT_EXISTS)}
            else:
                return Redirect(
                    i18n.path_in(language, f"/finance/grants/{grant.id}") + "?done=applied", status_code=303
                )
        else:
            translated = {name: gettext(language, message) for name, message in errors.items()}
        return await self._list(request, tx, clock, settings, _csrf(request), form, translated, 422)

    @get("/finance/grants/{grant_id:uuid}", operation_id="FinanceGrantPage")
    async def grant(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings, grant_id: UUID
    ) -> Template | Redirect:
        person = _secretariat(request)
        if isinstance(person, Redirect):
            return person
        token = await context_of(request.scope).csrf_token(db)
        return await self._grant(request, db, clock, settings, grant_id, token, {}, {})

    async def _grant(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        grant_id: UUID,
        token: str,
        form: Mapping[str, str],
        errors: Mapping[str, str],
        status_code: int = 200,
    ) -> Template:
        grant = await GrantService(conn, clock, settings).get(grant_id)
        language = i18n.request_language(request)
        done = request.query_params.get("done")
        return render(
            request,
            "funding/finance/grant.html",
            {
                "grant": grant,
                "next_steps": sorted(s.value for s in TRANSITIONS[grant.status]),
                "status_names": GRANT_STATUS_NAMES,
                "programme_names": PROGRAMME_NAMES,
                "csrf_token": token,
                "form": {
                    "amount": str(grant.amount_requested),
                    "paid_on": clock.now().date().isoformat(),
                    **form,
                },
                "errors": dict(errors),
                "notice": gettext(language, GRANT_NOTICES[done]) if done in GRANT_NOTICES else None,
            },
            status_code=status_code,
            headers=NO_STORE,
        )

    @post("/finance/grants/{grant_id:uuid}", operation_id="TransitionNriGrantForm", status_code=303)
    async def transition(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, grant_id: UUID
    ) -> Template | Redirect:
        """Approve (with the amount), decline (with a reason), record the payment, then the NRI's report: the
        API's transitions, with the version the page was read at."""
        person = _secretariat(request)
        if isinstance(person, Redirect):
            return person
        raw = await request.form()
        form = {n: _text(raw, n) for n in ("to", "amount", "reason", "paid_on", "report_url", "version")}
        language = i18n.request_language(request)
        errors: dict[str, str] = {}
        to = GrantStatus(form["to"]) if form["to"] in set(GrantStatus) else None
        amount = _usd(form["amount"]) if form["amount"] else None
        if to is GrantStatus.approved and amount is None:
            errors["amount"] = ENTER_USD
        paid_on = None
        if to is GrantStatus.paid and form["paid_on"]:
            try:
                paid_on = date.fromisoformat(form["paid_on"])
            except ValueError:
                errors["paid_on"] = ENTER_PAID_ON
        report_url = form["report_url"] or None
        if report_url is not None and not report_url.startswith(("https://", "http://")):
            errors["report_url"] = ENTER_REPORT_URL
        if to is None:
            errors["to"] = GRANT_STEP_REFUSED
        translated = {name: gettext(language, message) for name, message in errors.items()}
        if not errors and to is not None:
            data = GrantTransition(
                to=to,
                reason=form["reason"][:200] or None,
                amount_approved=amount if to is GrantStatus.approved else None,
                paid_on=paid_on,
                report_url=report_url,
            )
            version = int(form["version"]) if form["version"].isdigit() else None
            try:
                async with tx.transaction():
                    await GrantService(tx, clock, settings).transition(
                        grant_id, data, expected_version=version, actor=person
                    )
            except InvalidGrant as exc:
                translated = _grant_errors(language, exc)
            except FundedByAnotherProgramme:
                translated = {"to": gettext(language, OTHER_PROGRAMME)}
            except PreconditionFailed:
                translated = {"to": gettext(language, GRANT_STALE)}
                form = {}
            except IllegalTransition:
                translated = {"to": gettext(language, GRANT_STEP_REFUSED)}
            else:
                return Redirect(
                    i18n.path_in(language, f"/finance/grants/{grant_id}") + f"?done={to.value}",
                    status_code=303,
                )
        return await self._grant(
            request,
            tx,
            clock,
            settings,
            grant_id,
            _csrf(request),
            form,
            translated,
            409 if "to" in translated else 422,
        )
