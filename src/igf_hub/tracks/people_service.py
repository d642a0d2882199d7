"""The people of a track: facilitators (users bound to it by a track_facilitator grant), MAG liaisons
(current MAG members), and participants who join and leave with a declared stakeholder group and country."""

from __future__ import annotations

import contextlib
from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.errors import GrantNotFound
from igf_hub.auth.principal import Principal, Role
from igf_hub.auth.schemas import GrantCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core import changelog, countries
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError, Forbidden
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import RegionalGroup, StakeholderGroup
from igf_hub.tracks.access import WORKING, find_track, require_manager, track_event_data
from igf_hub.tracks.errors import (
    AlreadyFacilitator,
    AlreadyLiaison,
    MembershipClosed,
    NotAFacilitator,
    NotALiaison,
    NotAMagMember,
    NotAParticipant,
    TrackNotOpen,
    TrackRulesNotMet,
)
from igf_hub.tracks.people_repository import PeopleRepository
from igf_hub.tracks.repository import TrackRepository
from igf_hub.tracks.schemas import (
    MagLiaison,
    ParticipantSummary,
    Participation,
    ParticipationCreate,
    ParticipationPage,
    Person,
    TrackRow,
)


class PeopleService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn = conn
        self.clock = clock
        self.repo = PeopleRepository(conn)
        self.tracks = TrackRepository(conn)
        self.identity = IdentityService(conn, clock, settings)

    # -- reads ---------------------------------------------------------------------------------------

    async def person(self, user_id: UUID) -> Person:
        user = await self.identity.get_user(user_id)  # 404 for an unknown user
        return Person(user_id=user.id, display_name=user.display_name)

    async def facilitators_of(self, track_id: UUID) -> list[Person]:
        return [await self.person(u) for u in await self.repo.facilitators(track_id)]

    async def liaisons_of(self, track_id: UUID) -> list[MagLiaison]:
        liaison_ids = await self.repo.liaisons(track_id)
        mag_now = set(await self.identity.holders_of(Role.mag_member)) if liaison_ids else set()
        liaisons = []
        for user_id in liaison_ids:
            person = await self.person(user_id)
            liaisons.append(
                MagLiaison(**msgspec.structs.asdict(person), is_current_mag_member=user_id in mag_now)
            )
        return liaisons

    async def participant_summary(self, slug: str) -> ParticipantSummary:
        return await self.summary_of((await find_track(self.tracks, slug)).id)

    async def summary_of(self, track_id: UUID) -> ParticipantSummary:
        by_group = {g.value: 0 for g in StakeholderGroup}
        by_region = {r.value: 0 for r in RegionalGroup}
        total = 0
        for group, country, n in await self.repo.participant_counts(track_id):
            total += n
            by_group[group] += n
            region = countries.regional_group(country) or "unassigned"  # e.g. territories outside UN groups
            by_region[region] = by_region.get(region, 0) + n
        return ParticipantSummary(total=total, by_stakeholder_group=by_group, by_regional_group=by_region)

    async def list_participants(
        self, slug: str, *, actor: Principal, cursor: str | None, limit: int
    ) -> ParticipationPage:
        track = await find_track(self.tracks, slug)
        require_manager(actor, track)
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        rows = await self.repo.list_participants(track.id, after=keyset.after, limit=keyset.fetch)
        items, next_cursor = keyset.cut(rows, lambda row: (row.joined_at, row.user_id))
        return ParticipationPage(items=items, next_cursor=next_cursor)

    # -- facilitators --------------------------------------------------------------------------------

    async def add_facilitator(self, slug: str, user_id: UUID, *, actor: Principal) -> Person:
        track = await find_track(self.tracks, slug, for_update=True)
        require_manager(actor, track)
        person = await self.person(user_id)
        if user_id in await self.repo.facilitators(track.id):
            raise AlreadyFacilitator(f"{user_id} already facilitates {slug!r}")
        await self.bind_facilitator(track, user_id, actor=actor)
        return person

    async def bind_facilitator(self, track: TrackRow, user_id: UUID, *, actor: Principal) -> None:
        """Grant track_facilitator bound to this track (effective from the holder's next request)."""
        grant = await self.identity.grant_role(
            user_id,
            GrantCreate(role=Role.track_facilitator, resource_id=track.id),
            actor=actor,
            source="tracks",
        )
        await self.repo.add_facilitator(
            track.id, user_id, grant_id=grant.id, added_by=actor.subject, now=self.clock.now()
        )
        await changelog.record(
            self.conn,
            "track.facilitator_added",
            actor=actor.subject,
            subject_type="track",
            subject_id=track.id,
            data=track_event_data(track, user_id=str(user_id)),
        )

    async def remove_facilitator(self, slug: str, user_id: UUID, *, actor: Principal) -> None:
        track = await find_track(self.tracks, slug, for_update=True)
        require_manager(actor, track)
        grant_id = await self.repo.remove_facilitator(track.id, user_id)
        if grant_id is None:
            raise NotAFacilitator(f"{user_id} does not facilitate {slug!r}")
        # Already revoked directly through the identity API: then only our record remained.
        with contextlib.suppress(GrantNotFound):
            await self.identity.revoke_grant(user_id, grant_id, actor=actor)
        await changelog.record(
            self.conn,
            "track.facilitator_removed",
            actor=actor.subject,
            subject_type="track",
            subject_id=track.id,
            data=track_event_data(track, user_id=str(user_id)),
        )

    # -- MAG liaisons --------------------------------------------------------------------------------

    async def add_liaison(self, slug: str, user_id: UUID, *, actor: Principal) -> MagLiaison:
        track = await find_track(self.tracks, slug, for_update=True)
        if not actor.has_role(Role.secretariat):
            raise Forbidden("the Secretariat assigns MAG liaisons")
        person = await self.person(user_id)
        if user_id not in await self.identity.holders_of(Role.mag_member):
            raise NotAMagMember(errors=[FieldError("/user_id", f"{user_id} is not a current MAG member")])
        if not await self.repo.add_liaison(track.id, user_id, added_by=actor.subject, now=self.clock.now()):
            raise AlreadyLiaison(f"{user_id} is already a MAG liaison of {slug!r}")
        await changelog.record(
            self.conn,
            "track.mag_liaison_added",
            actor=actor.subject,
            subject_type="track",
            subject_id=track.id,
            data=track_event_data(track, user_id=str(user_id)),
        )
        return MagLiaison(**msgspec.structs.asdict(person), is_current_mag_member=True)

    async def remove_liaison(self, slug: str, user_id: UUID, *, actor: Principal) -> None:
        track = await find_track(self.tracks, slug, for_update=True)
        if not actor.has_role(Role.secretariat):
            raise Forbidden("the Secretariat assigns MAG liaisons")
        if not await self.repo.remove_liaison(track.id, user_id):
            raise NotALiaison(f"{user_id} is not a MAG liaison of {slug!r}")
        await changelog.record(
            self.conn,
            "track.mag_liaison_removed",
            actor=actor.subject,
            subject_type="track",
            subject_id=track.id,
            data=track_event_data(track, user_id=str(user_id)),
        )

    # -- participants --------------------------------------------------------------------------------

    async def join(
        self, slug: str, data: ParticipationCreate, *, actor: Principal
    ) -> tuple[Participation, bool]:
        """Join (or update the declaration of) the calling person; returns (participation, newly joined)."""
        if actor.user_id is None:
            raise Forbidden("only people participate in tracks")
        track = await find_track(self.tracks, slug)
        if track.status not in WORKING:
            raise TrackNotOpen(f"the track {slug!r} is {track.status.value}: it takes no participants")
        if not countries.is_known(data.country):
            raise TrackRulesNotMet(
                errors=[FieldError("/country", f"{data.country} is not an ISO 3166-1 country")]
            )
        already = await self.repo.get_participant(track.id, actor.user_id) is not None
        if not already and not track.open_membership:
            raise MembershipClosed(f"the track {slug!r} does not take new participants")
        participation, joined = await self.repo.upsert_participant(
            track.id,
            actor.user_id,
            stakeholder_group=data.stakeholder_group.value,
            country=data.country,
            now=self.clock.now(),
        )
        await changelog.record(
            self.conn,
            "track.participant_joined" if joined else "track.participant_updated",
            actor=actor.subject,
            subject_type="track",
            subject_id=track.id,
            data=track_event_data(
                track, stakeholder_group=data.stakeholder_group.value, country=data.country
            ),
        )
        return participation, joined

    async def leave(self, slug: str, *, actor: Principal) -> None:
        track = await find_track(self.tracks, slug)
        if (
            actor.user_id is None
            or (left := await self.repo.remove_participant(track.id, actor.user_id)) is None
        ):
            raise NotAParticipant(f"you do not participate in {slug!r}")
        await changelog.record(
            self.conn,
            "track.participant_left",
            actor=actor.subject,
            subject_type="track",
            subject_id=track.id,
            data=track_event_data(track, stakeholder_group=left.stakeholder_group, country=left.country),
        )
