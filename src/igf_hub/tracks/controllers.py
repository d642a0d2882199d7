"""HTTP for tracks: listing and detail, creation and edits, status transitions, people and DC standing."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.params import Parameter

from igf_hub.auth.guards import requires_authenticated, requires_role, requires_secretariat
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.core import imports
from igf_hub.core.caching import cached
from igf_hub.core.concurrency import expected_version, written
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit, YearFilter
from igf_hub.core.providers import reader, writer
from igf_hub.core.ratelimit import rate_limit
from igf_hub.tracks.errors import TrackImportRejected, UnsupportedImportType
from igf_hub.tracks.imports import parse_csv, parse_json
from igf_hub.tracks.people_service import PeopleService
from igf_hub.tracks.repository import TrackFilters
from igf_hub.tracks.schemas import (
    MagLiaison,
    ParticipantSummary,
    Participation,
    ParticipationCreate,
    ParticipationPage,
    Person,
    PersonRef,
    Standing,
    Track,
    TrackCreate,
    TrackDetail,
    TrackImportReport,
    TrackPage,
    TrackPatch,
    TrackStatus,
    TrackTransition,
    TrackType,
)
from igf_hub.tracks.service import TrackService

ActionLine = Annotated[
    str | None, Parameter(pattern=r"^C\d{1,2}(\.\d)?$", description="WSIS Action Line code, e.g. C5")
]
Sdg = Annotated[int | None, Parameter(ge=1, le=17, description="SDG number")]
GdcObjective = Annotated[int | None, Parameter(ge=1, le=5, description="Global Digital Compact objective")]
Search = Annotated[str | None, Parameter(min_length=1, max_length=200, description="full-text search")]

managers = requires_role(Role.secretariat, Role.track_facilitator)
# Joining and leaving share one allowance per caller.
PARTICIPATION_LIMIT = rate_limit("track-participation", 30, 3600)


WRITE = {"tracks": writer(TrackService)}
ImportSource = Annotated[str | None, imports.source_parameter("new track")]
PEOPLE_WRITE = {"people": writer(PeopleService)}


class TrackController(Controller):
    path = "/v1/tracks"
    tags = ["Tracks"]
    dependencies = {
        "tracks": reader(TrackService),
        "people": reader(PeopleService),
    }

    @get("/", operation_id="ListTracks")
    async def list_tracks(
        self,
        request: AnyRequest,
        tracks: TrackService,
        type: TrackType | None = None,
        status: TrackStatus | None = None,
        year: YearFilter = None,
        action_line: ActionLine = None,
        sdg: Sdg = None,
        gdc_objective: GdcObjective = None,
        q: Search = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[TrackPage]:
        """Intersessional tracks by slug, filtered by type, status, year active, classification and text."""
        filters = TrackFilters(
            type=type,
            status=status,
            year=year,
            action_line=action_line,
            sdg=sdg,
            gdc_objective=gdc_objective,
            q=q,
        )
        page = await tracks.list_tracks(filters, cursor=cursor, limit=limit)
        return cached(request, page)

    @post(
        "/",
        operation_id="CreateTrack",
        dependencies=WRITE,
        guards=[requires_authenticated, rate_limit("track-proposals", 30, 3600)],
    )
    async def create_track(
        self, data: TrackCreate, request: AnyRequest, tracks: TrackService
    ) -> Response[Track]:
        """The Secretariat creates BPFs, Policy Networks and other tracks; anyone signed in may propose a
        Dynamic Coalition (with its formation) and then facilitates it. Tracks start as ``proposed``."""
        return written(await tracks.create(data, actor=request.user), status_code=201)

    @post(
        "/import",
        operation_id="ImportTracks",
        status_code=200,
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def import_tracks(
        self, request: AnyRequest, tracks: TrackService, dry_run: bool = False, source: ImportSource = None
    ) -> TrackImportReport:
        """Load many tracks at once, all or none: a CSV body (``text/csv``, a header row of the field names) or
        JSON (``{"tracks": [...]}``). Every problem is listed by row and column; ``?dry_run=true`` checks the
        file and writes nothing. Each track keeps its real status and years active and is marked as imported
        from ``source``. The columns are documented in docs/archive-import.md."""
        body = await imports.read_body(request, TrackImportRejected, unsupported=UnsupportedImportType)
        rows = parse_csv(body) if isinstance(body, str) else parse_json(body)
        return await tracks.import_tracks(
            rows, actor=request.user, source=source or "tracks import", dry_run=dry_run
        )

    @get("/{slug:str}", operation_id="GetTrack")
    async def get_track(self, slug: str, request: AnyRequest, tracks: TrackService) -> Response[TrackDetail]:
        """The track with its participants summary, latest outputs, current calls for input and history."""
        detail = await tracks.detail(slug, actor=request.user)
        return cached(request, detail, version=detail.version)

    @patch("/{slug:str}", operation_id="UpdateTrack", guards=[managers], dependencies=WRITE)
    async def update_track(
        self, slug: str, data: TrackPatch, request: AnyRequest, tracks: TrackService
    ) -> Response[Track]:
        """Edit a track (its Secretariat or its facilitators); needs ``If-Match``."""
        track = await tracks.patch(slug, data, expected_version=expected_version(request), actor=request.user)
        return written(track)

    @post(
        "/{slug:str}/transitions",
        operation_id="TransitionTrack",
        status_code=200,
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def transition_track(
        self, slug: str, data: TrackTransition, request: AnyRequest, tracks: TrackService
    ) -> Response[Track]:
        """``proposed → active → concluded``; Dynamic Coalitions also ``active ↔ inactive``. Needs ``If-Match``."""
        track = await tracks.transition(
            slug, data, expected_version=expected_version(request), actor=request.user
        )
        return written(track)

    @get("/{slug:str}/standing", operation_id="GetTrackStanding")
    async def get_standing(self, slug: str, request: AnyRequest, tracks: TrackService) -> Response[Standing]:
        """A Dynamic Coalition against the DC rules, with the reasons for every rule it misses."""
        return cached(request, await tracks.standing(slug))

    # -- people ----------------------------------------------------------------------------------------

    @post(
        "/{slug:str}/facilitators",
        operation_id="AddTrackFacilitator",
        guards=[managers],
        dependencies=PEOPLE_WRITE,
    )
    async def add_facilitator(
        self, slug: str, data: PersonRef, request: AnyRequest, people: PeopleService
    ) -> Person:
        """Bind a user to the track as facilitator (the Secretariat, or one of the track's facilitators)."""
        return await people.add_facilitator(slug, data.user_id, actor=request.user)

    @delete(
        "/{slug:str}/facilitators/{user_id:uuid}",
        operation_id="RemoveTrackFacilitator",
        guards=[managers],
        dependencies=PEOPLE_WRITE,
    )
    async def remove_facilitator(
        self, slug: str, user_id: UUID, request: AnyRequest, people: PeopleService
    ) -> None:
        """Remove a facilitator from the track and revoke their facilitator role (the Secretariat, or one of
        the track's facilitators). 404 when the user does not facilitate it."""
        await people.remove_facilitator(slug, user_id, actor=request.user)

    @post(
        "/{slug:str}/mag-liaisons",
        operation_id="AddTrackMagLiaison",
        guards=[requires_secretariat],
        dependencies=PEOPLE_WRITE,
    )
    async def add_liaison(
        self, slug: str, data: PersonRef, request: AnyRequest, people: PeopleService
    ) -> MagLiaison:
        """Assign a current MAG member as liaison to the track."""
        return await people.add_liaison(slug, data.user_id, actor=request.user)

    @delete(
        "/{slug:str}/mag-liaisons/{user_id:uuid}",
        operation_id="RemoveTrackMagLiaison",
        guards=[requires_secretariat],
        dependencies=PEOPLE_WRITE,
    )
    async def remove_liaison(
        self, slug: str, user_id: UUID, request: AnyRequest, people: PeopleService
    ) -> None:
        """Remove a MAG liaison from the track (Secretariat only). 404 when the user is not its liaison."""
        await people.remove_liaison(slug, user_id, actor=request.user)

    @put(
        "/{slug:str}/participants/me",
        operation_id="JoinTrack",
        guards=[requires_authenticated, PARTICIPATION_LIMIT],
        dependencies=PEOPLE_WRITE,
    )
    async def join(
        self, slug: str, data: ParticipationCreate, request: AnyRequest, people: PeopleService
    ) -> Response[Participation]:
        """Join an open track declaring stakeholder group and country (201), or update the declaration (200)."""
        participation, joined = await people.join(slug, data, actor=request.user)
        return Response(participation, status_code=201 if joined else 200)

    @delete(
        "/{slug:str}/participants/me",
        operation_id="LeaveTrack",
        guards=[requires_authenticated, PARTICIPATION_LIMIT],
        dependencies=PEOPLE_WRITE,
    )
    async def leave(self, slug: str, request: AnyRequest, people: PeopleService) -> None:
        """Stop participating in the track (any signed-in participant, for themselves); their declaration
        leaves the public counts. 404 when you do not participate in it."""
        await people.leave(slug, actor=request.user)

    @get("/{slug:str}/participants/summary", operation_id="GetTrackParticipantSummary")
    async def participant_summary(
        self, slug: str, request: AnyRequest, people: PeopleService
    ) -> Response[ParticipantSummary]:
        """Public counts by stakeholder group and UN regional group."""
        return cached(request, await people.participant_summary(slug))

    @get("/{slug:str}/participants", operation_id="ListTrackParticipants", guards=[managers])
    async def list_participants(
        self,
        slug: str,
        request: AnyRequest,
        people: PeopleService,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[ParticipationPage]:
        """Who participates (the Secretariat and the track's facilitators only)."""
        page = await people.list_participants(slug, actor=request.user, cursor=cursor, limit=limit)
        return cached(request, page)
