"""Tracks: creation (a DC's formation rules), edits, the status machine, Dynamic Coalition standing, and the
public detail view. Services never commit: the caller's transaction does.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.core import changelog, countries
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError, Forbidden, IllegalTransition
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.tracks import standing as dc_standing
from igf_hub.tracks.access import find_track, manages, require_manager, track_event_data
from igf_hub.tracks.call_repository import CallRepository
from igf_hub.tracks.errors import (
    NotADynamicCoalition,
    StandingNotMet,
    TrackNotOpen,
    TrackRulesNotMet,
    TrackSlugTaken,
)
from igf_hub.tracks.imports import TrackImporter
from igf_hub.tracks.output_repository import OutputFilters, OutputRepository, summary_of
from igf_hub.tracks.people_repository import PeopleRepository
from igf_hub.tracks.people_service import PeopleService
from igf_hub.tracks.repository import TrackFilters, TrackRepository
from igf_hub.tracks.schemas import (
    RESERVED_SLUGS,
    DcFormation,
    FoundingMember,
    PublicContactPerson,
    Standing,
    Track,
    TrackCreate,
    TrackDetail,
    TrackImportReport,
    TrackListing,
    TrackPage,
    TrackPatch,
    TrackRow,
    TrackStatus,
    TrackSummary,
    TrackTransition,
    TrackType,
)

DETAIL_OUTPUTS = 50
DETAIL_CALLS = 20
MIN_FOUNDING_GROUPS = 3

_S = TrackStatus
TRANSITIONS: dict[TrackStatus, frozenset[TrackStatus]] = {
    _S.proposed: frozenset({_S.active}),
    _S.active: frozenset({_S.concluded}),
    _S.inactive: frozenset(),
    _S.concluded: frozenset(),
}
# Dynamic Coalitions are open-ended: they go dormant when they stop meeting the DC rules, and come back.
DC_TRANSITIONS: dict[TrackStatus, frozenset[TrackStatus]] = {
    _S.proposed: frozenset({_S.active}),
    _S.active: frozenset({_S.inactive, _S.concluded}),
    _S.inactive: frozenset({_S.active, _S.concluded}),
    _S.concluded: frozenset(),
}
TRANSITION_EVENTS: dict[tuple[TrackStatus, TrackStatus], str] = {
    (_S.proposed, _S.active): "track.activated",
    (_S.active, _S.concluded): "track.concluded",
    (_S.inactive, _S.concluded): "track.concluded",
    (_S.active, _S.inactive): "track.inactive",
    (_S.inactive, _S.active): "track.reactivated",
}


def allowed_transitions(track: TrackRow) -> frozenset[TrackStatus]:
    table = DC_TRANSITIONS if track.type is TrackType.dynamic_coalition else TRANSITIONS
    return table[track.status]


class TrackService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn = conn
        self.clock = clock
        self.repo = TrackRepository(conn)
        self.people = PeopleService(conn, clock, settings)

    # -- reads ---------------------------------------------------------------------------------------

    async def row(self, slug: str, *, for_update: bool = False) -> TrackRow:
        return await find_track(self.repo, slug, for_update=for_update)

    async def list_tracks(self, filters: TrackFilters, *, cursor: str | None, limit: int) -> TrackPage:
        keyset = Keyset(cursor, tuple[str], limit)
        items, next_cursor = keyset.cut(
            await self.repo.list_tracks(filters, after_slug=keyset.first(None), limit=keyset.fetch),
            lambda row: (row.slug,),
        )
        return TrackPage(items=items, next_cursor=next_cursor)

    async def detail(self, slug: str, *, actor: Principal) -> TrackDetail:
        track = await self.row(slug)
        now = self.clock.now()
        full = await self._full(track, actor)
        outputs = await OutputRepository(self.conn).list_outputs(
            OutputFilters(track_id=track.id),
            all_drafts=manages(actor, track.id),
            now=now,
            before=None,
            limit=DETAIL_OUTPUTS,
        )
        calls = await CallRepository(self.conn).list_for_track(
            track.id, now=now, current_only=True, before=None, limit=DETAIL_CALLS
        )
        return TrackDetail(
            **msgspec.structs.asdict(full),
            participants=await self.people.summary_of(track.id),
            outputs=[summary_of(o) for o in outputs],
            calls=calls,
            history=await self.repo.history(track.id),
        )

    async def _full(self, track: TrackRow, actor: Principal) -> Track:
        formation = None
        if track.type is TrackType.dynamic_coalition and (stored := await self.repo.formation(track.id)):
            show_emails = manages(actor, track.id)
            formation = DcFormation(
                statement_of_need=stored.statement_of_need,
                action_plan=stored.action_plan,
                contact_persons=[
                    PublicContactPerson(
                        name=c["name"],
                        organisation=c.get("organisation"),
                        email=c["email"] if show_emails else None,
                    )
                    for c in stored.contact_persons
                ],
                founding_members=msgspec.convert(stored.founding_members, list[FoundingMember]),
                submitted_at=stored.submitted_at,
            )
        return Track(
            **msgspec.structs.asdict(track),
            facilitators=await self.people.facilitators_of(track.id),
            mag_liaisons=await self.people.liaisons_of(track.id),
            formation=formation,
        )

    # -- creation and edits --------------------------------------------------------------------------

    async def create(self, data: TrackCreate, *, actor: Principal) -> Track:
        is_dc = data.type is TrackType.dynamic_coalition
        if not is_dc and not actor.has_role(Role.secretariat):
            # BPFs and PNs are MAG-led, other tracks are set up by the Secretariat; DCs are community-led.
            raise Forbidden(f"only the Secretariat creates {data.type.value} tracks; anyone may propose a DC")
        unmet = creation_unmet(data)
        predecessor_id = await self._predecessor_id(data.predecessor, unmet)
        if unmet:
            raise TrackRulesNotMet(f"{len(unmet)} rule(s) not met", errors=unmet)
        now = self.clock.now()
        try:
            # A savepoint: a taken slug is a 409, not a broken transaction.
            async with self.conn.transaction():
                track = await self.repo.insert(
                    data, created_by=actor.subject, now=now, predecessor_id=predecessor_id
                )
        except asyncpg.UniqueViolationError:
            raise TrackSlugTaken(f"the slug {data.slug!r} is taken") from None
        if data.formation is not None:
            await self.repo.insert_formation(track.id, data.formation, submitted_by=actor.subject, now=now)
        await self.repo.add_history(track.id, "proposed", now=now, to_status=track.status.value)
        await changelog.record(
            self.conn,
            "track.proposed",
            actor=actor.subject,
            subject_type="track",
            subject_id=track.id,
            data=track_event_data(track, name=track.name),
        )
        if is_dc and actor.user_id is not None and not actor.has_role(Role.secretariat):
            # The proposer facilitates the coalition they propose (and may correct the proposal).
            await self.people.bind_facilitator(track, actor.user_id, actor=actor)
        return await self._full(track, actor)

    async def patch(
        self, slug: str, data: TrackPatch, *, expected_version: int | None, actor: Principal
    ) -> Track:
        track = await self.row(slug, for_update=True)
        require_manager(actor, track)
        if track.status is TrackStatus.concluded:
            raise TrackNotOpen(f"the track {slug!r} is concluded: its record no longer changes")
        check_version(track.version, expected_version)
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "years_active" in changes:
            changes["years_active"] = sorted(set(changes["years_active"]))
        if "subtype" in changes and track.type is not TrackType.other:
            raise TrackRulesNotMet(
                errors=[FieldError("/subtype", "only tracks of type 'other' have a subtype")]
            )
        if "predecessor" in changes:
            errors: list[FieldError] = []
            changes["predecessor_id"] = await self._predecessor_id(changes.pop("predecessor"), errors, track)
            if errors:
                raise TrackRulesNotMet(errors=errors)
        updated = await self.repo.update(msgspec.structs.replace(track, **changes), now=self.clock.now())
        await changelog.record(
            self.conn,
            "track.updated",
            actor=actor.subject,
            subject_type="track",
            subject_id=track.id,
            data=track_event_data(updated, changed=sorted(changes)),
        )
        return await self._full(updated, actor)

    async def import_tracks(
        self, rows: list[tuple[int, dict[str, Any]]], *, actor: Principal, source: str, dry_run: bool
    ) -> TrackImportReport:
        """The Secretariat's bulk import (and the archive of concluded tracks): see tracks/imports.py."""
        if not actor.has_role(Role.secretariat):
            raise Forbidden("only the Secretariat imports tracks")
        return await TrackImporter(self.repo, self.clock.now()).run(
            rows, actor=actor, source=source, dry_run=dry_run
        )

    async def _predecessor_id(
        self, slug: str | None, errors: list[FieldError], track: TrackRow | None = None
    ) -> UUID | None:
        """The track a track continues, by slug: it must exist, and the chain of predecessors has no loop."""
        if slug is None:
            return None
        found = await self.repo.id_of(slug)
        if found is None:
            errors.append(FieldError("/predecessor", f"there is no track {slug!r}"))
        elif track is not None and (found == track.id or track.id in await self.repo.predecessors_of(found)):
            errors.append(FieldError("/predecessor", f"{slug!r} continues this track: the links would loop"))
        return found

    async def transition(
        self, slug: str, data: TrackTransition, *, expected_version: int | None, actor: Principal
    ) -> Track:
        if not actor.has_role(Role.secretariat):
            raise Forbidden("the Secretariat recognises, concludes and (re)activates tracks")
        track = await self.row(slug, for_update=True)
        allowed = allowed_transitions(track)
        if data.to not in allowed:
            raise IllegalTransition(current=track.status.value, requested=data.to.value, allowed=allowed)
        check_version(track.version, expected_version)
        if data.to is TrackStatus.inactive and not data.reason:
            raise TrackRulesNotMet(errors=[FieldError("/reason", "say why the coalition becomes inactive")])
        if (track.status, data.to) == (TrackStatus.inactive, TrackStatus.active):
            check = dc_standing.annual_output_check(
                track, await self.repo.output_years(track.id), self.clock.now()
            )
            if not check.met:
                raise StandingNotMet(
                    "publish the missing report or output before reactivating",
                    errors=[FieldError("/to", check.detail)],
                )
        updated = await self.change_status(track, data.to, reason=data.reason, actor=actor)
        return await self._full(updated, actor)

    async def change_status(
        self, track: TrackRow, to: TrackStatus, *, reason: str | None, actor: Principal, **extra: Any
    ) -> TrackRow:
        """Apply an allowed transition with its history, audit row and event (the caller checked guards)."""
        now = self.clock.now()
        years = track.years_active
        if to is TrackStatus.active:
            years = sorted({*years, now.year})  # a track that (re)starts works in this year
        updated = await self.repo.set_status(
            track.id,
            to,
            reason=reason,
            now=now,
            activated_at=now if to is TrackStatus.active else None,
            years_active=years,
        )
        await self.repo.add_history(
            track.id,
            "status_changed",
            now=now,
            from_status=track.status.value,
            to_status=to.value,
            reason=reason,
        )
        event = TRANSITION_EVENTS[(track.status, to)]
        await changelog.record(
            self.conn,
            event,
            actor=actor.subject,
            subject_type="track",
            subject_id=track.id,
            data=track_event_data(updated, from_status=track.status.value, reason=reason, **extra),
        )
        return updated

    # -- Dynamic Coalition standing ------------------------------------------------------------------

    async def standing(self, slug: str) -> Standing:
        track = await self.row(slug)
        if track.type is not TrackType.dynamic_coalition:
            raise NotADynamicCoalition(f"{slug!r} is a {track.type.value}, not a Dynamic Coalition")
        return await self.evaluate(track)

    async def listing(self, tracks: list[TrackSummary]) -> list[TrackListing]:
        """Each of ``tracks`` with its participants' count and, for a Dynamic Coalition past its proposal, whether
        it meets the DC rules now: three statements however many tracks there are (the /tracks page)."""
        ids = [t.id for t in tracks]
        groups = await PeopleRepository(self.conn).group_counts_of(ids)
        dcs = [t.id for t in tracks if t.type is TrackType.dynamic_coalition and t.status is not _S.proposed]
        rows = {r.id: r for r in await self.repo.get_many(dcs)} if dcs else {}
        years = await self.repo.output_years_of(dcs) if dcs else {}
        now = self.clock.now()
        return [
            TrackListing(
                track=track,
                participants=sum(groups.get(track.id, {}).values()),
                in_good_standing=dc_standing.evaluate(
                    rows[track.id],
                    participant_groups=set(groups.get(track.id, {})),
                    output_years=years.get(track.id, set()),
                    now=now,
                ).in_good_standing
                if track.id in rows
                else None,
            )
            for track in tracks
        ]

    async def evaluate(self, track: TrackRow) -> Standing:
        return dc_standing.evaluate(
            track,
            participant_groups=await PeopleRepository(self.conn).participant_groups(track.id),
            output_years=await self.repo.output_years(track.id),
            now=self.clock.now(),
        )

    async def next_due(self, track: TrackRow) -> dc_standing.Due | None:
        """A Dynamic Coalition's next annual report or output (tracks/standing.py); None for other tracks."""
        if track.type is not TrackType.dynamic_coalition:
            return None
        return dc_standing.next_due(track, await self.repo.output_years(track.id), self.clock.now())

    async def deactivate_if_report_missing(self, track_id: UUID, *, actor: Principal) -> bool:
        """The scan job's step for one DC, in the caller's transaction: re-checked under the row lock."""
        track = await self.repo.get(track_id, for_update=True)
        if track is None or track.type is not TrackType.dynamic_coalition or track.status is not _S.active:
            return False
        check = dc_standing.annual_output_check(
            track, await self.repo.output_years(track.id), self.clock.now()
        )
        if check.met:
            return False
        await self.change_status(
            track,
            TrackStatus.inactive,
            reason=check.detail,
            actor=actor,
            rule="annual_output",
            reporting_year=dc_standing.reporting_year(self.clock.now()),
        )
        return True


def creation_unmet(data: TrackCreate) -> list[FieldError]:
    """Every rule the new track breaks (not just the first)."""
    unmet: list[FieldError] = []
    if data.slug in RESERVED_SLUGS:
        unmet.append(FieldError("/slug", f"{data.slug!r} is reserved"))
    if data.type is TrackType.other and data.subtype is None:
        unmet.append(FieldError("/subtype", "a track of type 'other' needs a subtype"))
    if data.type is not TrackType.other and data.subtype is not None:
        unmet.append(FieldError("/subtype", "only tracks of type 'other' have a subtype"))
    if data.type is not TrackType.dynamic_coalition:
        if data.formation is not None:
            unmet.append(FieldError("/formation", "only Dynamic Coalitions are proposed with a formation"))
        return unmet
    if data.mailing_list_url is None:
        unmet.append(FieldError("/mailing_list_url", "a Dynamic Coalition needs a public mailing list"))
    if not data.open_membership:
        unmet.append(FieldError("/open_membership", "a Dynamic Coalition's membership is open to all"))
    formation = data.formation
    if formation is None:
        unmet.append(
            FieldError(
                "/formation",
                "propose a Dynamic Coalition with a statement of need, an action plan, contact persons and "
                "founding members",
            )
        )
        return unmet
    groups = {m.stakeholder_group for m in formation.founding_members}
    if len(groups) < MIN_FOUNDING_GROUPS:
        unmet.append(
            FieldError(
                "/formation/founding_members",
                f"founding members come from {len(groups)} stakeholder group(s); "
                f"at least {MIN_FOUNDING_GROUPS} are required",
            )
        )
    for i, member in enumerate(formation.founding_members):
        if member.country is not None and not countries.is_known(member.country):
            unmet.append(
                FieldError(f"/formation/founding_members/{i}/country", f"{member.country} is not a country")
            )
    return unmet
