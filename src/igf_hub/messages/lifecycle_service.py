"""The Message lifecycle: every transition in one place, each checked against ``states.TRANSITIONS``, audited,
recorded in the history and emitted with the full Message as its event data.

    draft → public_comment → synthesis → mag_review → approved → published → superseded
    synthesis → public_comment (another round); mag_review → draft (sent back); → withdrawn from any non-final
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError, Forbidden, IllegalTransition
from igf_hub.core.settings import Settings
from igf_hub.messages.ballot_schemas import ClosedReason
from igf_hub.messages.ballot_service import SYSTEM_ACTOR, BallotService, may_decide
from igf_hub.messages.comment_repository import CommentRepository
from igf_hub.messages.errors import (
    CommentPeriodStillOpen,
    InvalidContent,
    SupersessionConflict,
    UndisposedComments,
)
from igf_hub.messages.repository import MessageRow
from igf_hub.messages.schemas import (
    Approve,
    CloseCommentPeriod,
    Message,
    OpenPublicComment,
    Publish,
    SendBack,
    SubmitForReview,
    Supersede,
    Transition,
    Version,
    VersionCreate,
    Withdraw,
)
from igf_hub.messages.service import SUBJECT, MessageService
from igf_hub.messages.signed_record import sign_approved
from igf_hub.messages.states import TRANSITION_EVENTS, TRANSITIONS, MessageState

S = MessageState
TARGETS: dict[type, MessageState] = {
    OpenPublicComment: S.public_comment,
    CloseCommentPeriod: S.synthesis,
    SubmitForReview: S.mag_review,
    SendBack: S.draft,
    Approve: S.approved,
    Publish: S.published,
    Supersede: S.superseded,
    Withdraw: S.withdrawn,
}
BALLOT_CLOSED_BY: dict[type, ClosedReason] = {
    SendBack: ClosedReason.sent_back,
    Approve: ClosedReason.approved,
    Withdraw: ClosedReason.withdrawn,
}


class MessageLifecycle:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn, self.clock, self.settings = conn, clock, settings
        self.messages = MessageService(conn, clock, settings)
        self.ballots = BallotService(conn, clock, settings)
        self.comments = CommentRepository(conn)

    async def save_version(
        self, message_id: UUID, data: VersionCreate, *, actor: Principal, expected_version: int | None
    ) -> tuple[Version, int]:
        """A new version and the Message's new ETag version; a new authoritative text in MAG review closes the
        open ballot (it was on the old text)."""
        version, row = await self.messages.save_version(
            message_id, data, actor=actor, expected_version=expected_version
        )
        if version.is_authoritative and row.state == S.mag_review:
            await self.ballots.close_open(row.id, ClosedReason.new_version, actor=actor)
        return version, row.version

    async def transition(
        self, message_id: UUID, data: Transition, *, actor: Principal, expected_version: int | None
    ) -> Message:
        row = await self.messages.visible(message_id, actor=actor, for_update=True)
        target = TARGETS[type(data)]
        # Who may ask comes first: a refused caller learns neither the version nor the allowed moves.
        if target in (S.approved, S.draft):
            if not may_decide(actor):
                raise Forbidden(f"only the MAG Chair or the Secretariat moves a Message to {target}")
        elif not actor.has_role(Role.secretariat):
            raise Forbidden(f"only the Secretariat moves a Message to {target}")
        check_version(row.version, expected_version)
        current = S(row.state)
        if target not in TRANSITIONS[current]:
            raise IllegalTransition(current=current, requested=target, allowed=TRANSITIONS[current])
        return await self._apply(row, data, target, actor)

    async def _apply(
        self, row: MessageRow, data: Transition, target: MessageState, actor: Principal
    ) -> Message:
        now = self.clock.now()
        reason: str | None = None
        superseded_by: UUID | None = None
        newer: MessageRow | None = None
        match data:
            case OpenPublicComment(days=days):
                await self._open_comment(row, days, actor)
            case CloseCommentPeriod():
                await self._close_comment(row, early_refused=True)
            case SubmitForReview(ballot_days=days, member_groups=groups):
                undisposed = await self.comments.undisposed_ids(row.id)
                if undisposed:
                    raise UndisposedComments(
                        f"{len(undisposed)} comment{'s' if len(undisposed) != 1 else ''} still "
                        f"{'need' if len(undisposed) != 1 else 'needs'} a disposition: "
                        f"{', '.join(str(c) for c in undisposed[:20])}{' …' if len(undisposed) > 20 else ''}",
                        extra={
                            "undisposed_count": len(undisposed),
                            "undisposed_comment_ids": [str(c) for c in undisposed],
                        },
                    )
            case SendBack(reason=why):
                reason = why
            case Approve():
                await self.ballots.require_passed(row)
            case Publish():
                pass
            case Supersede(superseded_by=newer_id):
                newer = await self._check_newer(row, newer_id)
                superseded_by = newer.id
            case Withdraw(reason=why):
                reason = why
                if open_round := await self.comments.open_round_of(row.id):
                    await self.comments.close_round(open_round.id, now)
        updated = await self.messages.repo.set_state(
            row.id, target, now=now, actor=actor, reason=reason, superseded_by=superseded_by
        )
        if target is S.approved:
            # Signed in the approving transaction: an approved version never exists unsigned.
            await sign_approved(
                self.conn, self.settings, await self.messages.view(updated), now=now, actor=actor.subject
            )
        await self._transitioned(row, updated, actor, reason)
        # The ballot moves because of the transition, so its event follows the transition's (a refusal while
        # opening it still rolls the whole transition back).
        match data:
            case SubmitForReview(ballot_days=days, member_groups=groups):
                await self.ballots.open(row, actor=actor, days=days, member_groups=groups)
            case SendBack() | Approve() | Withdraw():
                await self.ballots.close_open(row.id, BALLOT_CLOSED_BY[type(data)], actor=actor)
        if newer is not None and newer.supersedes is None:
            await self.messages.repo.set_supersedes(newer.id, row.id, now)
        if target is S.published and updated.supersedes is not None:
            await self._supersede_older(updated, actor)
        return await self.messages.view(updated)

    async def _transitioned(
        self, before: MessageRow, after: MessageRow, actor: Principal, reason: str | None
    ) -> None:
        """History, audit and the event (with the complete Message, as the API returns it) of one transition."""
        now = self.clock.now()
        await self.messages.repo.add_history(
            after.id,
            "transition",
            from_state=before.state,
            to_state=after.state,
            version_number=after.current_version_number,
            reason=reason,
            actor=actor,
            at=now,
        )
        view = await self.messages.view(after)
        await changelog.record(
            self.conn,
            TRANSITION_EVENTS[S(after.state)],
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id=after.id,
            data={
                "from": before.state,
                "to": after.state,
                "version_number": after.current_version_number,
                "content_sha256": view.content_sha256,
                "reason": reason,
            },
            event_data=msgspec.to_builtins(view),
            # Public once it was opened for comment (public_comment_opened carries its whole public state); a
            # draft withdrawn before that was never public, and neither is its withdrawal.
            public=after.public_since is not None,
        )

    async def _open_comment(self, row: MessageRow, days: int | None, actor: Principal) -> None:
        rules = self.settings.messages
        length = days if days is not None else rules.comment_default_days
        if length < rules.comment_min_days:
            raise InvalidContent(
                f"a public comment period lasts at least {rules.comment_min_days} days",
                errors=[
                    FieldError("/days", f"{length} is less than the minimum of {rules.comment_min_days} days")
                ],
            )
        now = self.clock.now()
        await self.comments.open_round(
            row.id,
            version_number=row.current_version_number,
            opens_at=now,
            closes_at=now + timedelta(days=length),
            opened_by=actor.subject,
        )

    async def _close_comment(self, row: MessageRow, *, early_refused: bool) -> bool:
        current = await self.comments.open_round_of(row.id)
        now = self.clock.now()
        if current is not None and now < current.closes_at:
            if early_refused:
                raise CommentPeriodStillOpen(
                    f"the comment period closes at {current.closes_at.isoformat()} and cannot be closed early",
                    extra={"closes_at": current.closes_at.isoformat()},
                )
            return False
        if current is not None:
            await self.comments.close_round(current.id, now)
        return True

    async def close_comment_period_by_schedule(self, message_id: UUID) -> bool:
        """The worker's side of the window: at ``closes_at`` the Message moves on to synthesis."""
        row = await self.messages.repo.get(message_id, for_update=True)
        if row is None or row.state != S.public_comment:
            if row is not None and (stale := await self.comments.open_round_of(row.id)):
                await self.comments.close_round(
                    stale.id, self.clock.now()
                )  # withdrawn meanwhile: just close it
            return False
        if not await self._close_comment(row, early_refused=False):
            return False
        updated = await self.messages.repo.set_state(
            row.id, S.synthesis, now=self.clock.now(), actor=SYSTEM_ACTOR
        )
        await self._transitioned(row, updated, SYSTEM_ACTOR, "the comment period ended")
        return True

    async def _check_newer(self, row: MessageRow, newer_id: UUID) -> MessageRow:
        newer = await self.messages.repo.get(newer_id, for_update=True)
        problems = []
        if newer is None or newer.id == row.id:
            problems.append(f"{newer_id} is not another Message")
        elif newer.state != S.published:
            problems.append(
                f"Message {newer_id} is {newer.state}: only a published Message supersedes another"
            )
        elif newer.supersedes not in (None, row.id):
            problems.append(f"Message {newer_id} already supersedes {newer.supersedes}")
        if problems:
            raise SupersessionConflict("; ".join(problems))
        assert newer is not None
        return newer

    async def _supersede_older(self, newer: MessageRow, actor: Principal) -> None:
        """Publishing a Message that names what it supersedes moves the older one to superseded."""
        assert newer.supersedes is not None
        older = await self.messages.repo.get(newer.supersedes, for_update=True)
        if older is None or older.state != S.published:
            return  # withdrawn or already superseded meanwhile: nothing to replace
        updated = await self.messages.repo.set_state(
            older.id, S.superseded, now=self.clock.now(), actor=actor, superseded_by=newer.id
        )
        await self._transitioned(older, updated, actor, f"superseded by {newer.id}")
