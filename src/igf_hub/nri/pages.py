"""The NRIs' web pages (the directory and a profile per NRI), and what they add to the home page.

Pages are thin like controllers: they call the NRI services on the request's connection, with the reader as
the actor (the API's own visibility rules: an NRI never recognised is a 404 to the public), and render
``templates/nri/``. The directory's filters are the API's (``GET /v1/nris``), read as plain text so that a bad
value gives the form back with a plain sentence instead of an error page.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
from babel import Locale
from litestar import Request, Response, get
from litestar.params import Parameter, QueryParameter

from igf_hub.auth.principal import ANONYMOUS, Principal, Role
from igf_hub.core import countries
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import RegionalGroup, StakeholderGroup
from igf_hub.nri.directory_service import NriDirectory
from igf_hub.nri.errors import NriNotFound
from igf_hub.nri.report_schemas import MeetingFormat
from igf_hub.nri.report_service import ReportService, add_months
from igf_hub.nri.schemas import HistoryEntry, Nri, NriFilters, NriStatus, NriType, YouthScope
from igf_hub.nri.service import NriService
from igf_hub.people import follows
from igf_hub.web import i18n
from igf_hub.web.calendar import CalendarContext, Deadline, DeadlineList
from igf_hub.web.errors import PageController
from igf_hub.web.formatting import locale
from igf_hub.web.home import HomeSection, SectionContext
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import NavItem
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import REGIONAL_GROUP_NAMES, STAKEHOLDER_GROUP_NAMES

TYPE_NAMES = {
    NriType.national: N_("National"),
    NriType.sub_regional: N_("Sub-regional"),
    NriType.regional: N_("Regional"),
    NriType.youth: N_("Youth"),
}
STATUS_NAMES = {
    NriStatus.draft: N_("Draft"),
    NriStatus.submitted: N_("Submitted"),
    NriStatus.under_review: N_("Under review"),
    NriStatus.changes_requested: N_("Changes requested"),
    NriStatus.recognised: N_("Recognised"),
    NriStatus.declined: N_("Declined"),
    NriStatus.inactive: N_("Inactive"),
    NriStatus.withdrawn: N_("Withdrawn"),
}
# What an NRI that everyone may read (one that was recognised) can be; the others only its coordinators and
# the Secretariat see, so only they are offered them.
PUBLIC_STATUSES = (NriStatus.recognised, NriStatus.inactive, NriStatus.withdrawn)
YOUTH_SCOPE_NAMES = {
    YouthScope.national: N_("Youth, national"),
    YouthScope.sub_regional: N_("Youth, sub-regional"),
    YouthScope.regional: N_("Youth, regional"),
}
FORMAT_NAMES = {
    MeetingFormat.in_person: N_("In person"),
    MeetingFormat.hybrid: N_("Hybrid"),
    MeetingFormat.online: N_("Online"),
}
# Who acts in each step of an NRI's public history, in role terms: the API publishes no person to the public,
# and the workflow's guards fix the role of most steps (recognition decisions are the Secretariat's,
# submissions the coordinators'). What either may do is said as both.
COORDINATORS = N_("The initiative's coordinators")
SECRETARIAT = N_("The IGF Secretariat")
EITHER = N_("The initiative's coordinators or the IGF Secretariat")
SYSTEM = N_("IGF Hub (automatic check)")
HISTORY_STEPS: dict[str, tuple[str, str]] = {
    "nri.registered": (N_("Registered as a draft"), COORDINATORS),
    "nri.imported": (N_("Added from the IGF's records of recognised initiatives"), SECRETARIAT),
    "nri.updated": (N_("Details changed"), EITHER),
    "nri.submitted": (N_("Submitted for recognition"), COORDINATORS),
    "nri.review_started": (N_("Review started"), SECRETARIAT),
    "nri.recognised": (N_("Recognised"), SECRETARIAT),
    "nri.changes_requested": (N_("Changes requested"), SECRETARIAT),
    "nri.declined": (N_("Declined"), SECRETARIAT),
    "nri.withdrawn": (N_("Withdrawn"), EITHER),
    "nri.inactive": (N_("Marked inactive: no activity report for several years"), SYSTEM),
    "nri.reactivated": (N_("Recognised again after a new activity report"), EITHER),
    "nri.coordinator_added": (N_("A coordinator was added"), EITHER),
    "nri.coordinator_removed": (N_("A coordinator was removed"), EITHER),
    "nri.report_created": (N_("Activity report started"), EITHER),
    "nri.report_updated": (N_("Activity report edited"), EITHER),
    "nri.report_submitted": (N_("Activity report published"), EITHER),
    "nri.report_revised": (N_("Published activity report revised"), EITHER),
}
# The decisions whose reason the Secretariat or the coordinators wrote for the public; the other steps'
# reasons are the system's own English wording, said above in the reader's language instead.
REASONED = frozenset({"nri.recognised", "nri.changes_requested", "nri.declined", "nri.withdrawn"})
HISTORY_SIZE = 50
# The fields an edit changed (the history's public ``fields``), in words.
FIELD_NAMES = {
    "type": N_("type"),
    "youth_scope": N_("youth scope"),
    "parent_nri_id": N_("parent initiative"),
    "name": N_("name"),
    "acronym": N_("acronym"),
    "countries": N_("countries"),
    "scope_note": N_("scope"),
    "website": N_("website"),
    "mailing_list_url": N_("mailing list"),
    "contact_email": N_("contact e-mail"),
    "languages": N_("languages"),
    "year_founded": N_("year founded"),
    "description": N_("description"),
    "committee": N_("organising committee"),
    "focal_points": N_("focal points"),
    "meeting_report_url": N_("meeting report"),
    "meeting_report_text": N_("meeting report"),
}
PAGE_SIZE = 25
SEARCH_MAX = 200  # as the API's ``q``
YEARS = (2006, 2100)  # as the API's ``year_active``

Text = Annotated[str | None, Parameter(required=False)]


def actor_of(request: Request[Any, Any, Any]) -> Principal:
    principal: Principal = request.scope.get("user") or ANONYMOUS
    return principal


def country_name(code: str, language: str) -> str:
    """The country's name in the reader's language (CLDR, through Babel), else its UN English name."""
    name = locale(language).territories.get(code)  # the language's Locale, parsed once per process
    known = countries.get(code)
    return name or (known.name if known else code)


@functools.lru_cache(maxsize=4096)  # each call parses the tag itself
def language_name(tag: str, language: str) -> str:
    """A language tag (``pt``, ``fr-CA``) named in the reader's language, else the tag itself."""
    try:
        return Locale.parse(tag, sep="-").get_display_name(locale(language)) or tag
    except (ValueError, TypeError):
        return tag


def country_options(language: str) -> list[tuple[str, str]]:
    named = [(code, country_name(code, language)) for code in countries.COUNTRIES]
    # Côte d'Ivoire sorts with the Cs: compare without accents.
    return sorted(named, key=lambda item: unicodedata.normalize("NFKD", item[1]).casefold())


# -- the directory ------------------------------------------------------------------------------------


class DirectoryForm:
    """The directory's GET form: what the reader sent, the filters it means, and a sentence per bad field."""

    def __init__(self, actor: Principal, raw: Mapping[str, str | None]) -> None:
        self.values = {name: (value or "").strip() for name, value in raw.items()}
        self.errors: dict[str, str] = {}
        self.statuses = list(NriStatus) if _sees_unrecognised(actor) else list(PUBLIC_STATUSES)
        v = self.values
        self.filters = NriFilters(
            q=self._search(v["q"]),
            type=_type(self._choice("type", v["type"], list(NriType), N_("Choose a type from the list."))),
            regional_group=self._choice(
                "region", v["region"], [g.value for g in RegionalGroup], N_("Choose a region from the list.")
            ),
            country=self._choice(
                "country", v["country"], list(countries.COUNTRIES), N_("Choose a country from the list.")
            ),
            status=_status(
                self._choice(
                    "status",
                    v["status"],
                    [s.value for s in self.statuses],
                    N_("Choose a status from the list."),
                )
            ),
            year_active=self._year(v["year"]),
        )

    def _search(self, value: str) -> str | None:
        if len(value) > SEARCH_MAX:
            self.errors["q"] = N_("Search for at most 200 characters.")
            return None
        return value or None

    def _choice(self, name: str, value: str, allowed: list[str], message: str) -> str | None:
        if value and value not in allowed:
            self.errors[name] = message
            return None
        return value or None

    def _year(self, value: str) -> int | None:
        if not value:
            return None
        if value.isascii() and value.isdigit() and YEARS[0] <= int(value) <= YEARS[1]:
            return int(value)
        self.errors["year"] = N_("Enter a year from 2006 to 2100, such as 2024.")
        return None

    def query(self, **extra: str) -> str:
        """The valid filters as a query string (for the next page and the CSV file)."""
        pairs = [(name, value) for name, value in self.values.items() if value and name not in self.errors]
        pairs += [(name, value) for name, value in extra.items() if value]
        return urlencode(pairs)


def _status(value: str | None) -> NriStatus | None:
    return NriStatus(value) if value else None


def _type(value: str | None) -> NriType | None:
    return NriType(value) if value else None


def _sees_unrecognised(actor: Principal) -> bool:
    return actor.has_role(Role.secretariat) or bool(actor.resources(Role.nri_coordinator))


def _api_query(form: DirectoryForm) -> str:
    """The same filters under the API's names (``/v1/nris.csv``)."""
    f = form.filters
    pairs = [
        ("q", f.q),
        ("type", f.type.value if f.type else None),
        ("regional_group", f.regional_group),
        ("country", f.country),
        ("status", f.status.value if f.status else None),
        ("year_active", str(f.year_active) if f.year_active else None),
    ]
    return urlencode([(name, value) for name, value in pairs if value])


class NriPages(PageController):
    path = "/nris"

    @get("/", name="nri-directory")
    async def directory(
        self,
        request: Request[Any, Any, Any],
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        q: Text = None,
        nri_type: Annotated[str | None, QueryParameter(name="type", required=False)] = None,
        region: Text = None,
        country: Text = None,
        status: Text = None,
        year: Text = None,
        cursor: Text = None,
    ) -> Response[Any]:
        actor = actor_of(request)
        language = i18n.request_language(request)
        form = DirectoryForm(
            actor,
            {"q": q, "type": nri_type, "region": region, "country": country, "status": status, "year": year},
        )
        _ = functools.partial(i18n.gettext, language)
        page, stale = None, False
        if not form.errors:
            try:
                page = await NriDirectory(db, clock, settings).page(
                    form.filters, cursor=cursor or None, limit=PAGE_SIZE, actor=actor
                )
            except DomainError:  # a page link that was altered (the cursor is not one the list issued)
                stale = True
        base = i18n.path_in(language, "/nris")
        next_url = f"{base}?{form.query(cursor=page.next_cursor)}" if page and page.next_cursor else None
        return render(
            request,
            "nri/directory.html",
            {
                "form": form,
                "page": page,
                "stale": stale,
                "next_url": next_url,
                "first_url": f"{base}?{form.query()}".rstrip("?"),
                "csv_url": "/v1/nris.csv" + (f"?{query}" if (query := _api_query(form)) else ""),
                "action": base,
                "errors": {name: _(message) for name, message in form.errors.items()},
                "type_options": [("", _("Any type"))] + [(t.value, _(TYPE_NAMES[t])) for t in NriType],
                "region_options": [("", _("Any region"))]
                + [(code, _(name)) for code, name in REGIONAL_GROUP_NAMES.items()],
                "country_options": [("", _("Any country")), *country_options(language)],
                "status_options": [("", _("Any status"))]
                + [(s.value, _(STATUS_NAMES[s])) for s in form.statuses],
                "type_names": TYPE_NAMES,
                "status_names": STATUS_NAMES,
                "region_names": REGIONAL_GROUP_NAMES,
                "country_name": lambda code: country_name(code, language),
            },
            status_code=400 if form.errors or stale else 200,
        )

    @get("/{nri_id:uuid}", name="nri-profile")
    async def profile(
        self,
        request: Request[Any, Any, Any],
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nri_id: UUID,
        history: Text = None,
    ) -> Response[Any]:
        """One NRI as the API shows it to the reader: 404 (a page) unless it was recognised, or the reader
        coordinates it or is the Secretariat."""
        actor = actor_of(request)
        language = i18n.request_language(request)
        nris = NriService(db, clock, settings)
        nri = await nris.get(nri_id, actor=actor)
        # The NRI read once: the reports and the history take it as loaded (and checked) for this reader.
        reports = await ReportService(db, clock, settings).of_nri(nri_id, actor=actor, loaded=nri)
        steps = await nris.history(
            nri_id, cursor=history or None, limit=HISTORY_SIZE, actor=actor, loaded=nri
        )
        base = i18n.path_in(language, f"/nris/{nri_id}")
        return render(
            request,
            "nri/profile.html",
            {
                "nri": nri,
                "follow": await follows.button(request, db, follows.NRI, str(nri.id), nri.name),
                "type_name": YOUTH_SCOPE_NAMES[nri.youth_scope] if nri.youth_scope else TYPE_NAMES[nri.type],
                "status_name": STATUS_NAMES[nri.status],
                "regions": [REGIONAL_GROUP_NAMES.get(code, code) for code in nri.regional_groups],
                "countries": sorted(
                    (country_name(code, language) for code in nri.countries),
                    key=lambda name: unicodedata.normalize("NFKD", name).casefold(),
                ),
                "spoken": [language_name(tag, language) for tag in nri.languages],
                "committee": committee_groups(nri),
                "reports": reports,
                "format_names": FORMAT_NAMES,
                "country_name": lambda code: country_name(code, language),
                "history": history_rows(steps.items),
                "history_next": f"{base}?{urlencode({'history': steps.next_cursor})}#history"
                if steps.next_cursor
                else None,
                "history_first": f"{base}#history" if history else None,
                "directory_url": i18n.path_in(language, "/nris"),
            },
        )


# -- a profile ----------------------------------------------------------------------------------------


def history_rows(entries: list[HistoryEntry]) -> list[dict[str, Any]]:
    """Each step as the public reads it: when, who (a role), what, and the published reason or year."""
    rows = []
    for entry in entries:
        what, who = HISTORY_STEPS.get(entry.action, (N_("Other change"), EITHER))
        rows.append(
            {
                "at": entry.occurred_at,
                "who": who,
                "what": what,
                "year": entry.data.get("year"),
                "reason": entry.data.get("reason") if entry.action in REASONED else None,
                "changes": entry.data.get("changes_requested") or [],
                # several columns may share words (the meeting report): say each once
                "fields": list(
                    dict.fromkeys(FIELD_NAMES[f] for f in entry.data.get("fields") or () if f in FIELD_NAMES)
                ),
            }
        )
    return rows


def committee_groups(nri: Nri) -> list[tuple[str, list[Any]]]:
    """The organising committee by stakeholder group, in the vocabulary's order; empty groups left out."""
    groups = []
    for group in StakeholderGroup:
        members = [m for m in nri.committee if m.stakeholder_group == group]
        if members:
            groups.append((STAKEHOLDER_GROUP_NAMES[group], sorted(members, key=lambda m: m.name.casefold())))
    return groups


# -- the home page ------------------------------------------------------------------------------------


async def load_regions(context: SectionContext) -> Mapping[str, Any]:
    """How many NRIs the reader can see, in each UN regional group (an NRI may span several)."""
    stats = await NriDirectory(context.conn, context.clock, context.settings).stats(
        NriFilters(), actor=context.actor
    )
    regions = [
        (REGIONAL_GROUP_NAMES.get(code, code), stats.by_regional_group.get(code, 0))
        for code in REGIONAL_GROUP_NAMES
    ]
    return {"total": stats.total, "regions": regions}


# -- the deadline calendar (web/calendar.py) ---------------------------------------------------------------


def _reporting_years(context: CalendarContext) -> tuple[int, int]:
    """Last year (its reports are due in the first months of this one) and this year."""
    year = context.clock.now().year
    return year - 1, year


async def report_due_deadlines(context: CalendarContext) -> list[Deadline]:
    """The day each year's activity reports are due from every NRI (the rule, IGF_HUB_NRI_REPORT_DUE_MONTHS after
    the year's end): a public fact; which NRI has reported is on each profile."""
    months = context.settings.nri.report_due_months
    return [
        Deadline(
            kind="nri-annual-reports-due",
            record_id=str(year),
            summary=gettext(context.language, N_("NRI activity reports for %(year)s are due"))
            % {"year": year},
            at=add_months(date(year, 12, 31), months),
            url=context.url("/nris"),
            last_modified=datetime(year, 1, 1, tzinfo=UTC),
        )
        for year in _reporting_years(context)
    ]


async def my_report_due_deadlines(context: CalendarContext, person: Principal) -> list[Deadline]:
    """For each NRI the person coordinates, when its report for last year and this year is due, until it is
    submitted: the meeting's end plus the allowed months once a draft says when the meeting ended, else the
    year's end plus those months. The event is the NRI's year, so a draft that sets the date moves it."""
    months = context.settings.nri.report_due_months
    nris = NriService(context.conn, context.clock, context.settings)
    reports = ReportService(context.conn, context.clock, context.settings)
    found = []
    for nri_id in sorted(person.resources(Role.nri_coordinator)):
        try:
            nri = await nris.load(nri_id, actor=person)
        except NriNotFound:
            continue  # a grant on an NRI that is gone: nothing is due
        by_year = {r.year: r for r in await reports.of_nri(nri_id, actor=person)}
        for year in _reporting_years(context):
            report = by_year.get(year)
            if report is not None and report.status != "draft":
                continue  # submitted: nothing is due any more
            found.append(
                Deadline(
                    kind="nri-report-due",
                    record_id=f"{nri_id}-{year}",
                    summary=gettext(context.language, N_("Activity report for %(year)s due: %(nri)s"))
                    % {"year": year, "nri": nri.name},
                    at=add_months(report.meeting_end if report else date(year, 12, 31), months),
                    url=context.url(f"/nris/{nri_id}"),
                    last_modified=report.updated_at if report else datetime(year, 1, 1, tzinfo=UTC),
                    sequence=report.version if report else 0,
                )
            )
    return found


CALENDARS = [
    DeadlineList(
        key="nri-reports",
        title=N_("NRI activity report due dates"),
        load=report_due_deadlines,
        personal=my_report_due_deadlines,
        order=40,
    )
]


HOME_SECTIONS = [
    HomeSection(
        key="nri-regions",
        title=N_("National and regional initiatives"),
        template="nri/home_regions.html",
        load=load_regions,
        order=40,
    )
]


# The main navigation's entries for this domain (app.py collects them).
NAVIGATION = [NavItem(path="/nris", label=N_("National and regional initiatives"), order=20)]
