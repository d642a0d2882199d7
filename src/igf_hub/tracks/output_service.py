"""Track outputs: drafts, community comment windows, publication with a stable citable id, and supersession
by a new version. A published output never changes; IGF Messages cite it through ``references``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.core import changelog, references, signing
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError, IllegalTransition
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.tracks import signed_record
from igf_hub.tracks.access import WORKING, find_track, manages, require_manager
from igf_hub.tracks.errors import (
    CommentWindowClosed,
    DraftVersionExists,
    NotCurrentVersion,
    OutputImmutable,
    OutputNotFound,
    OutputRulesNotMet,
    PublicationBlocked,
    TrackNotOpen,
)
from igf_hub.tracks.output_repository import OutputFields, OutputFilters, OutputRepository, summary_of
from igf_hub.tracks.output_schemas import (
    Comment,
    CommentCreate,
    CommentPage,
    CommentWindowOpen,
    Output,
    OutputCreate,
    OutputPage,
    OutputPatch,
    OutputStatus,
)
from igf_hub.tracks.repository import TrackRepository
from igf_hub.tracks.schemas import TrackRow, TrackType

REFERENCE_KIND = "track_output"

_O = OutputStatus
OUTPUT_TRANSITIONS: dict[OutputStatus, frozenset[OutputStatus]] = {
    _O.draft: frozenset({_O.published}),
    _O.published: frozenset({_O.superseded}),  # only by publishing the next version
    _O.superseded: frozenset(),
}
# MAG-led work: its drafts go through a community comment window before publication.
COMMENTED_TRACK_TYPES = frozenset({TrackType.bpf, TrackType.policy_network})


def citable_id(slug: str, year: int, series_number: int, output_version: int) -> str:
    """``igf:<track slug>:<year>:<n>:v<version>`` — stable: slugs never change and published rows are frozen."""
    return f"igf:{slug}:{year}:{series_number}:v{output_version}"


def output_href(output_id: UUID) -> str:
    return f"/v1/tracks/outputs/{output_id}"


async def resolve_track_output(conn: asyncpg.Connection, output_id: UUID) -> references.Reference | None:
    """Published and superseded outputs are citable; drafts are not."""
    output = await OutputRepository(conn).get(output_id, now=Clock().now())
    if output is None or output.status is OutputStatus.draft:
        return None
    return references.Reference(
        kind=REFERENCE_KIND,
        id=output.id,
        title=output.title,
        href=output_href(output.id),
        citable_id=output.citable_id,
    )


def _fields_of(data: OutputCreate) -> OutputFields:
    c = data.classification
    return OutputFields(
        title=data.title,
        kind=data.kind,
        year=data.year,
        languages=list(dict.fromkeys(data.languages)),
        url=data.url,
        text=data.text,
        dissenting_views=list(data.dissenting_views),
        wsis_action_lines=list(c.wsis_action_lines),
        sdgs=list(c.sdgs),
        gdc_objectives=list(c.gdc_objectives),
    )


def _merged(output: Output, data: OutputPatch) -> OutputFields:
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    c = changes.pop("classification", output.classification)
    fields = OutputFields(
        title=output.title,
        kind=output.kind,
        year=output.year,
        languages=output.languages,
        url=output.url,
        text=output.text,
        dissenting_views=output.dissenting_views,
        wsis_action_lines=list(c.wsis_action_lines),
        sdgs=list(c.sdgs),
        gdc_objectives=list(c.gdc_objectives),
    )
    merged = msgspec.structs.replace(fields, **changes)
    if merged.url is None and not merged.text:
        raise OutputRulesNotMet(errors=[FieldError("", "an output needs a url, a text, or both")])
    merged.languages = list(dict.fromkeys(merged.languages))
    return merged


def output_event_data(output: Output, track: TrackRow, **extra: Any) -> dict[str, Any]:
    """The output as the API returns it (classification included), and its track."""
    data: dict[str, Any] = msgspec.to_builtins(output)
    return {**data, "track_type": track.type.value, "href": output_href(output.id), **extra}


class OutputService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn = conn
        self.clock = clock
        self.repo = OutputRepository(conn)
        self.tracks = TrackRepository(conn)

    # -- reads ---------------------------------------------------------------------------------------

    def _visible(self, output: Output, actor: Principal) -> bool:
        """Drafts are the facilitators' workspace until opened for community comment."""
        return self._public(output) or manages(actor, output.track_id)

    def _public(self, output: Output) -> bool:
        """May everyone read it (and consumers receive its events)?"""
        window = output.comment_window
        return output.status is not OutputStatus.draft or (
            window is not None and window.opens_at <= self.clock.now()
        )

    async def get(self, output_id: UUID, *, actor: Principal) -> Output:
        output = await self.repo.get(output_id, now=self.clock.now())
        if output is None or not self._visible(output, actor):
            raise OutputNotFound(f"no output {output_id}")
        return await self._with_signature(output)

    async def _with_signature(self, output: Output) -> Output:
        if output.status is OutputStatus.draft:
            return output
        signature = await signing.signature_of(
            self.conn, self.settings.base_url, signed_record.KIND, output.id, output.output_version
        )
        return msgspec.structs.replace(output, signature=signature)

    async def get_by_citable_id(self, cid: str) -> Output:
        output = await self.repo.get_by_citable_id(cid, now=self.clock.now())
        if output is None:
            raise OutputNotFound(f"no output is cited as {cid!r}")
        return await self._with_signature(output)

    async def list_outputs(
        self, filters: OutputFilters, *, actor: Principal, cursor: str | None, limit: int
    ) -> OutputPage:
        if filters.track_id is not None:
            all_drafts = manages(actor, filters.track_id)
        else:
            all_drafts = actor.has_role(Role.secretariat)
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        rows = await self.repo.list_outputs(
            filters, all_drafts=all_drafts, now=self.clock.now(), before=keyset.after, limit=keyset.fetch
        )
        items, next_cursor = keyset.cut(rows, lambda row: (row.created_at, row.id))
        return OutputPage(items=[summary_of(o) for o in items], next_cursor=next_cursor)

    async def cited_by(self, output_id: UUID, *, actor: Principal) -> list[references.Citation]:
        """The public objects (IGF Messages) citing the output by its id, through core/references."""
        output = await self.get(output_id, actor=actor)
        return await references.cited_by(self.conn, REFERENCE_KIND, output.id)

    async def track_id_of(self, slug: str) -> UUID:
        return (await find_track(self.tracks, slug)).id

    async def list_comments(
        self, output_id: UUID, *, actor: Principal, cursor: str | None, limit: int
    ) -> CommentPage:
        await self.get(output_id, actor=actor)
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        items, next_cursor = keyset.cut(
            await self.repo.list_comments(output_id, after=keyset.after, limit=keyset.fetch),
            lambda row: (row.created_at, row.id),
        )
        return CommentPage(items=items, next_cursor=next_cursor)

    # -- drafts --------------------------------------------------------------------------------------

    async def _for_write(
        self, output_id: UUID, actor: Principal, *, lock_track: bool = False
    ) -> tuple[Output, TrackRow]:
        output = await self.repo.get(output_id, now=self.clock.now(), for_update=True)
        if output is None:
            raise OutputNotFound(f"no output {output_id}")
        track = await self.tracks.get(output.track_id, for_update=lock_track)
        assert track is not None  # outputs reference their track (ON DELETE RESTRICT)
        require_manager(actor, track)
        return output, track

    @staticmethod
    def _require_draft(output: Output, doing: str) -> None:
        if output.status is not OutputStatus.draft:
            raise OutputImmutable(
                f"output {output.citable_id} is {output.status.value}: it cannot be {doing}; "
                "publish a new version instead",
                extra={"current_state": output.status.value},
            )

    @staticmethod
    def _require_working(track: TrackRow) -> None:
        if track.status not in WORKING:
            raise TrackNotOpen(f"the track {track.slug!r} is {track.status.value}: it publishes no outputs")

    async def create(self, slug: str, data: OutputCreate, *, actor: Principal) -> Output:
        track = await find_track(self.tracks, slug)
        require_manager(actor, track)
        self._require_working(track)
        output = await self.repo.insert(
            uuid4(), track.id, _fields_of(data), created_by=actor.subject, now=self.clock.now()
        )
        await changelog.record(
            self.conn,
            "track_output.created",
            actor=actor.subject,
            subject_type="track_output",
            subject_id=output.id,
            data=output_event_data(output, track),
            public=False,
        )
        return output

    async def patch(
        self, output_id: UUID, data: OutputPatch, *, expected_version: int | None, actor: Principal
    ) -> Output:
        output, track = await self._for_write(output_id, actor)
        self._require_draft(output, "edited")
        check_version(output.version, expected_version)
        updated = await self.repo.update_draft(output.id, _merged(output, data), now=self.clock.now())
        assert updated is not None  # locked as a draft above
        changed = sorted(k for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET)
        await changelog.record(
            self.conn,
            "track_output.updated",
            actor=actor.subject,
            subject_type="track_output",
            subject_id=output.id,
            data=output_event_data(updated, track, changed=changed),
            public=self._public(updated),
        )
        return updated

    async def delete(self, output_id: UUID, *, expected_version: int | None, actor: Principal) -> None:
        output, track = await self._for_write(output_id, actor)
        self._require_draft(output, "deleted")
        check_version(output.version, expected_version)
        await self.repo.delete_draft(output.id)
        await changelog.record(
            self.conn,
            "track_output.deleted",
            actor=actor.subject,
            subject_type="track_output",
            subject_id=output.id,
            data={"id": str(output.id), "track_id": str(track.id), "track_slug": track.slug},
            public=self._public(output),  # consumers who saw the draft learn that it is gone
        )

    async def new_version(self, output_id: UUID, data: OutputPatch, *, actor: Principal) -> Output:
        """A draft of the next version of a published output (it supersedes that one once published)."""
        source, track = await self._for_write(output_id, actor)
        if source.status is not OutputStatus.published:
            raise NotCurrentVersion(
                f"output {output_id} is {source.status.value}; revise the current published version",
                extra={"current_state": source.status.value, "superseded_by": source.superseded_by},
            )
        self._require_working(track)
        fields = _merged(source, data)
        try:
            # A savepoint: the one-draft-per-series index may refuse, leaving the transaction usable.
            async with self.conn.transaction():
                draft = await self.repo.insert(
                    uuid4(),
                    track.id,
                    fields,
                    created_by=actor.subject,
                    now=self.clock.now(),
                    series_id=source.series_id,
                    output_version=source.output_version + 1,
                    supersedes=source.id,
                )
        except asyncpg.UniqueViolationError:
            raise DraftVersionExists(f"a draft of the next version of {source.citable_id} exists") from None
        await changelog.record(
            self.conn,
            "track_output.created",
            actor=actor.subject,
            subject_type="track_output",
            subject_id=draft.id,
            data=output_event_data(draft, track),
            public=False,
        )
        return draft

    # -- community comment -----------------------------------------------------------------------------

    async def open_comment_window(
        self, output_id: UUID, data: CommentWindowOpen, *, expected_version: int | None, actor: Principal
    ) -> Output:
        output, track = await self._for_write(output_id, actor)
        self._require_draft(output, "opened for comment")
        check_version(output.version, expected_version)
        now = self.clock.now()
        if data.closes_at <= now:
            raise OutputRulesNotMet(
                errors=[FieldError("/closes_at", "the comment window must close in the future")]
            )
        window = output.comment_window
        opens_at = (
            window.opens_at if window is not None and window.is_open else now
        )  # extending keeps the start
        updated = await self.repo.set_comment_window(
            output.id, opens_at=opens_at, closes_at=data.closes_at, now=now
        )
        assert updated is not None
        await changelog.record(
            self.conn,
            "track_output.comment_window_opened",
            actor=actor.subject,
            subject_type="track_output",
            subject_id=output.id,
            data=output_event_data(updated, track),
        )
        return updated

    async def comment(self, output_id: UUID, data: CommentCreate, *, actor: Principal) -> Comment:
        output = await self.get(output_id, actor=actor)
        window = output.comment_window
        if window is None or not window.is_open:
            if output.status is not OutputStatus.draft:
                detail = "published outputs take no comments"
            elif window is None:
                detail = "this draft has not been opened for comment"
            else:
                detail = f"the comment window closed at {window.closes_at.isoformat()}"
            raise CommentWindowClosed(detail)
        comment = await self.repo.insert_comment(
            output.id,
            user_id=actor.user_id,
            on_version=output.version,
            stakeholder_group=data.stakeholder_group.value if data.stakeholder_group else None,
            text=data.text,
            now=self.clock.now(),
        )
        await changelog.record(
            self.conn,
            "track_output.comment_received",
            actor=actor.subject,
            subject_type="track_output",
            subject_id=output.id,
            data={"id": str(output.id), "comment_id": str(comment.id), "track_slug": output.track_slug},
        )
        return comment

    # -- publication -----------------------------------------------------------------------------------

    async def publish(self, output_id: UUID, *, expected_version: int | None, actor: Principal) -> Output:
        # The track row lock serialises publications in a track, so series numbers never collide.
        output, track = await self._for_write(output_id, actor, lock_track=True)
        if output.status is not OutputStatus.draft:
            allowed = OUTPUT_TRANSITIONS[output.status]
            raise IllegalTransition(current=output.status.value, requested="published", allowed=allowed)
        check_version(output.version, expected_version)
        self._require_working(track)
        now = self.clock.now()
        window = output.comment_window
        if track.type in COMMENTED_TRACK_TYPES and (window is None or now < window.closes_at):
            detail = (
                "BPF and Policy Network drafts go through a community comment window before publication"
                if window is None
                else f"the community comment window is open until {window.closes_at.isoformat()}"
            )
            raise PublicationBlocked(detail, errors=[FieldError("/comment_window", detail)])
        predecessor = None
        if output.supersedes is not None:
            predecessor = await self.repo.get(output.supersedes, now=now, for_update=True)
            if predecessor is None or predecessor.status is not OutputStatus.published:
                raise NotCurrentVersion("the version this draft revises is no longer the current one")
            series_number = await self.repo.series_number(predecessor.id) or 1
        else:
            series_number = await self.repo.next_series_number(track.id, output.year)
        published = await self.repo.publish(
            output.id,
            series_number=series_number,
            now=now,
            citable_id=citable_id(track.slug, output.year, series_number, output.output_version),
        )
        assert published is not None
        # Signed in the publishing transaction: a published output never exists unsigned.
        signature = await signed_record.sign_published(
            self.conn,
            self.settings,
            published,
            track,
            href=output_href(published.id),
            now=now,
            actor=actor.subject,
        )
        published = msgspec.structs.replace(published, signature=signature)
        await self.tracks.add_history(track.id, "output_published", now=now, output_id=published.id)
        superseded = None
        if predecessor is not None:
            superseded = await self.repo.supersede(predecessor.id, by=published.id, now=now)
            assert superseded is not None
            await self.tracks.add_history(track.id, "output_superseded", now=now, output_id=superseded.id)
        # The publication causes the supersession: its event comes first.
        await changelog.record(
            self.conn,
            "track_output.published",
            actor=actor.subject,
            subject_type="track_output",
            subject_id=published.id,
            data=output_event_data(published, track),
        )
        if superseded is not None:
            await changelog.record(
                self.conn,
                "track_output.superseded",
                actor=actor.subject,
                subject_type="track_output",
                subject_id=superseded.id,
                data=output_event_data(superseded, track),
            )
        return published
