"""Public comment: anyone signed in comments while a round is open; drafters record a disposition for each."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal
from igf_hub.core import changelog, countries
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError, PreconditionFailed, Unauthorized
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.messages.comment_repository import CommentFilters, CommentRepository, CommentRow
from igf_hub.messages.comment_schemas import (
    TAKEN_IN,
    Comment,
    CommentCreate,
    CommentHidden,
    CommentHide,
    CommentPage,
    Disposition,
    DispositionBulk,
    DispositionOutcome,
    DispositionSet,
)
from igf_hub.messages.errors import (
    CommentAlreadyHidden,
    CommentNotFound,
    CommentPeriodClosed,
    InvalidContent,
    WrongStateForAction,
)
from igf_hub.messages.repository import MessageRow
from igf_hub.messages.service import SUBJECT, MessageService
from igf_hub.messages.states import DISPOSABLE, MessageState


def comment_out(c: CommentRow, actor: Principal | None = None, *, reveal: bool = False) -> Comment:
    """The comment as the API returns it; a hidden comment's text only with ``reveal`` (its drafters, the
    Secretariat)."""
    return Comment(
        id=c.id,
        message_id=c.message_id,
        round_number=c.round_number,
        version_number=c.version_number,
        paragraph_id=c.paragraph_id,
        stakeholder_group=StakeholderGroup(c.stakeholder_group),
        country=c.country,
        language=c.language,
        display_name=c.display_name,
        body=c.body if c.hidden_at is None or reveal else "",
        created_at=c.created_at,
        disposition=Disposition(
            outcome=DispositionOutcome(c.disposition),
            rationale=c.rationale or "",
            version_number=c.disposition_version_number,
            duplicate_of=c.duplicate_of,
            recorded_by=c.disposed_by or "",
            recorded_at=c.disposed_at or c.created_at,
        )
        if c.disposition
        else None,
        version=c.version,
        is_mine=actor is not None and actor.user_id is not None and actor.user_id == c.author_user_id,
        hidden=CommentHidden(reason=c.hidden_reason or "", hidden_at=c.hidden_at) if c.hidden_at else None,
    )


class CommentService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn, self.clock = conn, clock
        self.messages = MessageService(conn, clock, settings)
        self.repo = CommentRepository(conn)

    async def post(self, message_id: UUID, data: CommentCreate, *, actor: Principal) -> Comment:
        row = await self.messages.visible(message_id, actor=actor)
        now = self.clock.now()
        current = await self.repo.open_round_of(row.id)
        if row.state != MessageState.public_comment or current is None or now >= current.closes_at:
            latest = await self.repo.latest_round(row.id)
            when = f"; the last period closed at {latest.closes_at.isoformat()}" if latest else ""
            raise CommentPeriodClosed(
                f"Message {message_id} is not open for public comment (it is {row.state}){when}",
                extra={"state": row.state, "closes_at": latest.closes_at.isoformat() if latest else None},
            )
        errors = []
        if not countries.is_known(data.country):
            errors.append(FieldError("/country", f"{data.country} is not an ISO 3166-1 country code"))
        if data.paragraph_id is not None:
            version = await self.messages.repo.version(row.id, current.version_number)
            known = [p.id for p in version.paragraphs] if version else []
            if data.paragraph_id not in known:
                errors.append(
                    FieldError(
                        "/paragraph_id",
                        f"{data.paragraph_id} is not a paragraph of version {current.version_number} "
                        f"({', '.join(known)})",
                    )
                )
        if errors:
            raise InvalidContent("the comment cannot be accepted as given", errors=errors)
        comment_id = await self.repo.insert(
            message_id=row.id,
            round_id=current.id,
            version_number=current.version_number,
            paragraph_id=data.paragraph_id,
            author_user_id=actor.user_id,
            author_subject=actor.subject,
            display_name=data.display_name,
            stakeholder_group=data.stakeholder_group,
            country=data.country,
            language=data.language,
            body=data.body,
            now=now,
        )
        await changelog.record(
            self.conn,
            "message.comment_posted",
            actor=actor.subject,
            subject_type="message_comment",
            subject_id=comment_id,
            data={"message_id": row.id, "paragraph_id": data.paragraph_id},
            event_data={
                "message_id": row.id,
                "comment_id": comment_id,
                "round_number": current.number,
                "paragraph_id": data.paragraph_id,
                "stakeholder_group": data.stakeholder_group,
                "country": data.country,
            },
            event_subject=row.id,
        )
        return await self.get(row.id, comment_id, actor=actor)

    async def get(self, message_id: UUID, comment_id: UUID, *, actor: Principal) -> Comment:
        row = await self.messages.visible(message_id, actor=actor)
        found = await self.repo.get(message_id, comment_id)
        if found is None:
            raise CommentNotFound(f"Message {message_id} has no comment {comment_id}")
        return comment_out(found, actor, reveal=await self.messages.can_draft(row, actor=actor))

    async def page(
        self,
        message_id: UUID,
        *,
        actor: Principal,
        filters: CommentFilters,
        mine: bool,
        cursor: str | None,
        limit: int,
    ) -> CommentPage:
        row = await self.messages.visible(message_id, actor=actor)
        if mine:
            if actor.user_id is None:
                raise Unauthorized("sign in to see your own comments")
            filters.author = actor.user_id
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        rows, next_cursor = keyset.cut(
            await self.repo.page(row.id, filters, after=keyset.after, limit=keyset.fetch),
            lambda row: (row.created_at, row.id),
        )
        reveal = await self.messages.can_draft(row, actor=actor)
        return CommentPage(
            items=[comment_out(c, actor, reveal=reveal) for c in rows],
            next_cursor=next_cursor,
        )

    async def hide(
        self,
        message_id: UUID,
        comment_id: UUID,
        data: CommentHide,
        *,
        actor: Principal,
        expected_version: int | None,
    ) -> Comment:
        """Hide an abusive comment with a public reason (its drafters, the Secretariat). It stays in the
        record: the row, its disposition and the audit log keep it; the public reads the reason."""
        row = await self.messages.for_drafting(message_id, actor=actor, expected_version=None)
        comment = await self.repo.get(row.id, comment_id, for_update=True)
        if comment is None:
            raise CommentNotFound(f"Message {message_id} has no comment {comment_id}")
        check_version(comment.version, expected_version)
        if comment.hidden_at is not None:
            raise CommentAlreadyHidden(f"comment {comment_id} was hidden at {comment.hidden_at.isoformat()}")
        await self.repo.hide(
            row.id, comment.id, reason=data.reason, actor=actor.subject, now=self.clock.now()
        )
        await changelog.record(
            self.conn,
            "message.comment_hidden",
            actor=actor.subject,
            subject_type="message_comment",
            subject_id=comment.id,
            data={"message_id": row.id, "reason": data.reason},
            publish=False,  # audit only: consumers hear of the comment's disposition, which still comes
        )
        return await self.get(row.id, comment.id, actor=actor)

    async def dispose(
        self,
        message_id: UUID,
        comment_id: UUID,
        data: DispositionSet,
        *,
        actor: Principal,
        expected_version: int | None,
    ) -> Comment:
        row = await self._disposable(message_id, actor)
        comment = await self.repo.get(row.id, comment_id, for_update=True)
        if comment is None:
            raise CommentNotFound(f"Message {message_id} has no comment {comment_id}")
        check_version(comment.version, expected_version)
        errors = await self._disposition_errors(row, comment, data)
        if errors:
            raise InvalidContent("the disposition cannot be recorded as given", errors=errors)
        await self._record(row, comment, data, actor)
        return await self.get(row.id, comment.id, actor=actor)

    async def dispose_many(
        self, message_id: UUID, data: DispositionBulk, *, actor: Principal
    ) -> list[Comment]:
        """One disposition for several comments (identical ones, typically): all of them or none. Each comment
        names the version it was read at; one that moved on since refuses the whole request (412)."""
        row = await self._disposable(message_id, actor)
        single = DispositionSet(
            outcome=data.outcome,
            rationale=data.rationale,
            version_number=data.version_number,
            duplicate_of=data.duplicate_of,
        )
        errors: list[FieldError] = []
        found: list[CommentRow] = []
        seen: set[UUID] = set()
        stale: list[str] = []
        for i, ref in enumerate(data.comments):
            if ref.id in seen:
                errors.append(FieldError(f"/comments/{i}/id", f"{ref.id} is listed twice"))
                continue
            seen.add(ref.id)
            comment = await self.repo.get(row.id, ref.id, for_update=True)
            if comment is None:
                errors.append(
                    FieldError(f"/comments/{i}/id", f"Message {message_id} has no comment {ref.id}")
                )
                continue
            if comment.version != ref.version:
                stale.append(str(comment.id))
            found.append(comment)
            for error in await self._disposition_errors(row, comment, single):
                if error.pointer == "/duplicate_of" and data.duplicate_of == comment.id:
                    error = FieldError(f"/comments/{i}/id", "a comment is not a duplicate of itself")
                if error not in errors:
                    errors.append(error)
        if errors:
            raise InvalidContent(
                "the dispositions cannot be recorded as given: none was recorded", errors=errors
            )
        if stale:
            raise PreconditionFailed(
                f"{len(stale)} of the comments changed since they were read: read them again and retry "
                f"({', '.join(stale)})",
                extra={"changed_comment_ids": stale},
            )
        for comment in found:
            await self._record(row, comment, single, actor)
        return [await self.get(row.id, comment.id, actor=actor) for comment in found]

    async def _disposable(self, message_id: UUID, actor: Principal) -> MessageRow:
        row = await self.messages.for_drafting(
            message_id, actor=actor, expected_version=None
        )  # serialises with transitions
        state = MessageState(row.state)
        if state not in DISPOSABLE:
            raise WrongStateForAction("record a disposition", current=state, allowed_in=DISPOSABLE)
        return row

    async def _disposition_errors(
        self, row: MessageRow, comment: CommentRow, data: DispositionSet
    ) -> list[FieldError]:
        errors: list[FieldError] = []
        if data.version_number is not None:
            taken_in = await self.messages.repo.version(row.id, data.version_number)
            if taken_in is None or taken_in.language != row.source_language:
                errors.append(
                    FieldError("/version_number", f"{data.version_number} is not a version of this text")
                )
            elif data.outcome in TAKEN_IN and taken_in.number <= comment.version_number:
                errors.append(
                    FieldError(
                        "/version_number",
                        f"the comment was made on version {comment.version_number}: the version that took it in "
                        "comes after it",
                    )
                )
        elif data.outcome in TAKEN_IN:
            errors.append(
                FieldError("/version_number", f"{data.outcome} needs the version that took the comment in")
            )
        if data.outcome is DispositionOutcome.duplicate:
            original = await self.repo.get(row.id, data.duplicate_of) if data.duplicate_of else None
            if data.duplicate_of is None:
                errors.append(FieldError("/duplicate_of", "a duplicate names the comment it duplicates"))
            elif original is None or original.id == comment.id:
                errors.append(
                    FieldError("/duplicate_of", f"{data.duplicate_of} is not another comment on this Message")
                )
        elif data.duplicate_of is not None:
            errors.append(FieldError("/duplicate_of", "only a duplicate names another comment"))
        return errors

    async def _record(
        self, row: MessageRow, comment: CommentRow, data: DispositionSet, actor: Principal
    ) -> None:
        await self.repo.set_disposition(
            row.id,
            comment.id,
            outcome=data.outcome,
            rationale=data.rationale,
            version_number=data.version_number,
            duplicate_of=data.duplicate_of,
            actor=actor.subject,
            now=self.clock.now(),
        )
        await changelog.record(
            self.conn,
            "message.comment_disposed",
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id=row.id,
            data={"comment_id": comment.id, **msgspec.structs.asdict(data)},
            event_data={"message_id": row.id, "comment_id": comment.id, "outcome": data.outcome},
        )
