"""HTTP for the MAG (/v1/mag): cycles, balance, roster, appointments, people and nominations. Thin: the
rules live in the services."""

from __future__ import annotations

from typing import Annotated, TypeVar
from uuid import UUID

from litestar import Controller, Response, get, patch, post

from igf_hub.auth.guards import requires_authenticated, requires_secretariat
from igf_hub.auth.principal import AnyRequest
from igf_hub.core import caching, imports
from igf_hub.core.concurrency import expected_version, written
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit, Year, YearFilter
from igf_hub.core.providers import reader, writer
from igf_hub.core.ratelimit import rate_limit
from igf_hub.core.vocab import RegionalGroup, StakeholderGroup
from igf_hub.mag.appointment_service import AppointmentService
from igf_hub.mag.archive_service import ArchiveRejected, MagArchiveReport, MagArchiveService
from igf_hub.mag.archive_service import parse_csv as parse_archive_csv
from igf_hub.mag.archive_service import parse_json as parse_archive_json
from igf_hub.mag.balance import Balance
from igf_hub.mag.balance_service import BalanceService
from igf_hub.mag.enums import AppointmentRole, AppointmentStatus, CycleStatus, NominationStatus
from igf_hub.mag.nomination_service import NominationService
from igf_hub.mag.schemas import (
    Appointment,
    AppointmentCreate,
    AppointmentEarlyEnd,
    AppointmentPage,
    AppointmentPatch,
    Cycle,
    CycleCreate,
    CyclePage,
    CyclePatch,
    CycleTransition,
    Nomination,
    NominationCreate,
    NominationPage,
    NominationSummary,
    NominationTransition,
    Person,
    PersonCreate,
    PersonPage,
    PersonPatch,
    PersonWithHistory,
    SlatePreview,
)
from igf_hub.mag.service import CycleService, PersonService

T = TypeVar("T")


READ = {
    "cycles": reader(CycleService),
    "appointments": reader(AppointmentService),
    "nominations": reader(NominationService),
    "balances": reader(BalanceService),
    "people": reader(PersonService),
}
WRITE_CYCLES = {"cycles": writer(CycleService)}
WRITE_ARCHIVE = {"archive": writer(MagArchiveService)}
ArchiveSource = Annotated[str | None, imports.source_parameter("cycle")]
WRITE_APPOINTMENTS = {"appointments": writer(AppointmentService)}
WRITE_NOMINATIONS = {"nominations": writer(NominationService)}
WRITE_PEOPLE = {"people": writer(PersonService)}


class MagCycleController(Controller):
    path = "/v1/mag/cycles"
    tags = ["MAG"]
    dependencies = READ

    @get("/", operation_id="ListMagCycles")
    async def list_cycles(
        self,
        request: AnyRequest,
        cycles: CycleService,
        status: CycleStatus | None = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[CyclePage]:
        """MAG cycles, newest year first."""
        return caching.cached(request, await cycles.list_page(status=status, cursor=cursor, limit=limit))

    @post("/", operation_id="CreateMagCycle", guards=[requires_secretariat], dependencies=WRITE_CYCLES)
    async def create_cycle(
        self, data: CycleCreate, request: AnyRequest, cycles: CycleService
    ) -> Response[Cycle]:
        """Open the planning of a cycle; ``rule_overrides`` changes this cycle's composition rules."""
        cycle = await cycles.create(data, actor=request.user)
        return written(cycle, status_code=201, headers=caching.PRIVATE_HEADERS)

    @post(
        "/archive",
        operation_id="ImportMagArchive",
        status_code=200,
        guards=[requires_secretariat],
        dependencies=WRITE_ARCHIVE,
    )
    async def import_archive(
        self,
        request: AnyRequest,
        archive: MagArchiveService,
        dry_run: bool = False,
        source: ArchiveSource = None,
    ) -> MagArchiveReport:
        """Past cycles with their members, as history (closed, appointments ended, marked as imported); they
        count toward term limits. JSON ``{"cycles": [...]}`` or CSV (one row per member); all or nothing;
        ``?dry_run=true`` checks and writes nothing. Formats: docs/archive-import.md."""
        body = await imports.read_body(request, ArchiveRejected, not_utf8="not UTF-8")
        cycles = parse_archive_csv(body) if isinstance(body, str) else parse_archive_json(body)
        return await archive.load(cycles, actor=request.user, source=source or "MAG archive", dry_run=dry_run)

    @get("/{year:int}", operation_id="GetMagCycle")
    async def get_cycle(self, year: Year, request: AnyRequest, cycles: CycleService) -> Response[Cycle]:
        """One MAG cycle by year: its dates, target size, status and the steps allowed from it, and the
        balance rules in force (defaults with this cycle's overrides). Public; 404 for a year with no
        cycle."""
        cycle = await cycles.get(year)
        return caching.cached(request, cycle, version=cycle.version)

    @patch(
        "/{year:int}", operation_id="UpdateMagCycle", guards=[requires_secretariat], dependencies=WRITE_CYCLES
    )
    async def update_cycle(
        self, year: Year, data: CyclePatch, request: AnyRequest, cycles: CycleService
    ) -> Response[Cycle]:
        """Dates, target size or rule overrides (If-Match required)."""
        cycle = await cycles.update(
            year, data, expected_version=expected_version(request), actor=request.user
        )
        return written(cycle, headers=caching.PRIVATE_HEADERS)

    @post(
        "/{year:int}/transitions",
        operation_id="TransitionMagCycle",
        guards=[requires_secretariat],
        dependencies=WRITE_CYCLES,
        status_code=200,
    )
    async def transition_cycle(
        self, year: Year, data: CycleTransition, request: AnyRequest, cycles: CycleService
    ) -> Response[Cycle]:
        """planning -> call_open -> appointed -> closed (If-Match required)."""
        cycle = await cycles.transition(
            year, data.to, expected_version=expected_version(request), actor=request.user
        )
        return written(cycle, headers=caching.PRIVATE_HEADERS)

    @get("/{year:int}/balance", operation_id="GetMagBalance")
    async def balance(self, year: Year, request: AnyRequest, balances: BalanceService) -> Response[Balance]:
        """Counts and shares by stakeholder group, region and gender, rotation, and each composition rule."""
        return caching.cached(request, await balances.balance(year))

    @post(
        "/{year:int}/balance:preview",
        operation_id="PreviewMagBalance",
        guards=[requires_secretariat],
        status_code=200,
    )
    async def preview_balance(
        self, year: Year, data: SlatePreview, request: AnyRequest, balances: BalanceService
    ) -> Response[Balance]:
        """What-if: the balance of a proposed slate, computed exactly as the real one; nothing is written."""
        return Response(
            await balances.preview(year, data, actor=request.user), headers=caching.cache_headers(request)
        )

    @get("/{year:int}/appointments", operation_id="ListMagRoster")
    async def roster(
        self,
        year: Year,
        request: AnyRequest,
        appointments: AppointmentService,
        role: AppointmentRole | None = None,
        status: AppointmentStatus | None = None,
        stakeholder_group: StakeholderGroup | None = None,
        regional_group: RegionalGroup | None = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[AppointmentPage]:
        """The public roster of a cycle, by name; the Chair has ``is_chair``."""
        page = await appointments.roster(
            year,
            actor=request.user,
            role=role,
            status=status,
            stakeholder_group=stakeholder_group,
            regional_group=regional_group,
            cursor=cursor,
            limit=limit,
        )
        return caching.cached(request, page)

    @post(
        "/{year:int}/appointments",
        operation_id="CreateMagAppointment",
        guards=[requires_secretariat],
        dependencies=WRITE_APPOINTMENTS,
    )
    async def appoint(
        self, year: Year, data: AppointmentCreate, request: AnyRequest, appointments: AppointmentService
    ) -> Response[Appointment]:
        """Record an appointment; beyond the term limit only with ``term_limit_exception_reason``."""
        appointment = await appointments.appoint(year, data, actor=request.user)
        return written(appointment, status_code=201, headers=caching.PRIVATE_HEADERS)

    @get("/{year:int}/nominations", operation_id="ListMagNominations", guards=[requires_secretariat])
    async def list_nominations(
        self,
        year: Year,
        request: AnyRequest,
        nominations: NominationService,
        status: NominationStatus | None = None,
        stakeholder_group: StakeholderGroup | None = None,
        regional_group: RegionalGroup | None = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[NominationPage]:
        """The cycle's nominations, filtered by status, stakeholder group and regional group (Secretariat
        only: they hold nominees' contact details and gender)."""
        page = await nominations.list_page(
            year,
            actor=request.user,
            status=status,
            stakeholder_group=stakeholder_group,
            regional_group=regional_group,
            cursor=cursor,
            limit=limit,
        )
        return caching.cached(request, page)

    @post(
        "/{year:int}/nominations",
        operation_id="SubmitMagNomination",
        guards=[requires_authenticated, rate_limit("mag-nominations", 10, 3600)],
        dependencies=WRITE_NOMINATIONS,
    )
    async def submit_nomination(
        self, year: Year, data: NominationCreate, request: AnyRequest, nominations: NominationService
    ) -> Response[Nomination]:
        """Nominate someone (or yourself) while the cycle's call is open."""
        nomination = await nominations.submit(year, data, actor=request.user)
        return written(nomination, status_code=201, headers=caching.PRIVATE_HEADERS)

    @get("/{year:int}/nominations/summary", operation_id="GetMagNominationSummary")
    async def nomination_summary(
        self, year: Year, request: AnyRequest, nominations: NominationService
    ) -> Response[NominationSummary]:
        """Aggregate counts only: the nominations themselves are private to the Secretariat."""
        return caching.cached(request, await nominations.summary(year))


class MagAppointmentController(Controller):
    path = "/v1/mag"
    tags = ["MAG"]
    dependencies = READ

    @get("/appointments/{appointment_id:uuid}", operation_id="GetMagAppointment")
    async def get_appointment(
        self, appointment_id: UUID, request: AnyRequest, appointments: AppointmentService
    ) -> Response[Appointment]:
        """One MAG appointment: the person, role, groups, country, term and status. Public; the Secretariat
        also sees the appointee's gender and the nomination behind it."""
        appointment = await appointments.get(appointment_id, actor=request.user)
        return caching.cached(request, appointment, version=appointment.version)

    @patch(
        "/appointments/{appointment_id:uuid}",
        operation_id="UpdateMagAppointment",
        guards=[requires_secretariat],
        dependencies=WRITE_APPOINTMENTS,
    )
    async def update_appointment(
        self,
        appointment_id: UUID,
        data: AppointmentPatch,
        request: AnyRequest,
        appointments: AppointmentService,
    ) -> Response[Appointment]:
        """Change the dates (or the self-declared gender) of an active appointment (If-Match required)."""
        appointment = await appointments.update(
            appointment_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(appointment, headers=caching.PRIVATE_HEADERS)

    @post(
        "/appointments/{appointment_id:uuid}/early-end",
        operation_id="EndMagAppointmentEarly",
        guards=[requires_secretariat],
        dependencies=WRITE_APPOINTMENTS,
        status_code=200,
    )
    async def end_early(
        self,
        appointment_id: UUID,
        data: AppointmentEarlyEnd,
        request: AnyRequest,
        appointments: AppointmentService,
    ) -> Response[Appointment]:
        """Record a resignation (or another early end) with its reason (If-Match required)."""
        appointment = await appointments.end_early(
            appointment_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(appointment, headers=caching.PRIVATE_HEADERS)

    @get("/term-limit-exceptions", operation_id="ListMagTermLimitExceptions")
    async def term_limit_exceptions(
        self,
        request: AnyRequest,
        appointments: AppointmentService,
        year: YearFilter = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[AppointmentPage]:
        """Every appointment made beyond the term limit, with the recorded reason (public)."""
        page = await appointments.term_limit_exceptions(
            year=year, actor=request.user, cursor=cursor, limit=limit
        )
        return caching.cached(request, page)

    @get("/nominations/{nomination_id:uuid}", operation_id="GetMagNomination", guards=[requires_secretariat])
    async def get_nomination(
        self, nomination_id: UUID, request: AnyRequest, nominations: NominationService
    ) -> Response[Nomination]:
        """One nomination in full, with how often the nominee's country held a seat before and the steps
        allowed from its status (Secretariat only)."""
        nomination = await nominations.get(nomination_id, actor=request.user)
        return caching.cached(request, nomination, version=nomination.version)

    @post(
        "/nominations/{nomination_id:uuid}/transitions",
        operation_id="TransitionMagNomination",
        guards=[requires_secretariat],
        dependencies=WRITE_NOMINATIONS,
        status_code=200,
    )
    async def transition_nomination(
        self,
        nomination_id: UUID,
        data: NominationTransition,
        request: AnyRequest,
        nominations: NominationService,
    ) -> Response[Nomination]:
        """Shortlist, set aside or withdraw a nomination (If-Match required)."""
        nomination = await nominations.transition(
            nomination_id, data.to, data.note, expected_version=expected_version(request), actor=request.user
        )
        return written(nomination, headers=caching.PRIVATE_HEADERS)


class MagPeopleController(Controller):
    path = "/v1/mag/people"
    tags = ["MAG"]
    dependencies = READ

    @get("/", operation_id="ListMagPeople")
    async def list_people(
        self,
        request: AnyRequest,
        people: PersonService,
        name: str | None = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[PersonPage]:
        """People who have held an appointment (the Secretariat also sees everyone else), by name."""
        page = await people.list_page(actor=request.user, name=name, cursor=cursor, limit=limit)
        return caching.cached(request, page)

    @post("/", operation_id="CreateMagPerson", guards=[requires_secretariat], dependencies=WRITE_PEOPLE)
    async def create_person(
        self, data: PersonCreate, request: AnyRequest, people: PersonService
    ) -> Response[Person]:
        """Register a person who can be nominated or appointed to the MAG (Secretariat only). Linking a user
        account (``user_id``) makes their appointments grant the mag_member role; 409 when that user is
        already linked to another person."""
        person = await people.create(data, actor=request.user)
        return written(person, status_code=201, headers=caching.PRIVATE_HEADERS)

    @get("/{person_id:uuid}", operation_id="GetMagPerson")
    async def get_person(
        self, person_id: UUID, request: AnyRequest, people: PersonService
    ) -> Response[PersonWithHistory]:
        """A person and their MAG history, oldest cycle first."""
        person = await people.get(person_id, actor=request.user)
        return caching.cached(request, person, version=person.version)

    @patch(
        "/{person_id:uuid}",
        operation_id="UpdateMagPerson",
        guards=[requires_secretariat],
        dependencies=WRITE_PEOPLE,
    )
    async def update_person(
        self, person_id: UUID, data: PersonPatch, request: AnyRequest, people: PersonService
    ) -> Response[Person]:
        """Rename, or link/unlink the user account (which moves the mirrored mag_member grants); If-Match required."""
        person = await people.update(
            person_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(person, headers=caching.PRIVATE_HEADERS)
