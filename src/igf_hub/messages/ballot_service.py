"""The MAG ballot: one exact version, an eligibility snapshot taken when it opens, positions, and the pass
rule (``ballot_rule.py``). Eligibility comes only from identity: the holders of ``mag_member`` at opening; each
member's stakeholder group and name come from the MAG roster (``roster.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, PrincipalKind, Role
from igf_hub.auth.schemas import User
from igf_hub.auth.service import IdentityService
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError, Forbidden
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import MagStakeholderGroup
from igf_hub.messages.actors import public_role
from igf_hub.messages.ballot_repository import BallotRepository, BallotRow, MemberRow, MemberSnapshot
from igf_hub.messages.ballot_rule import BallotRule, Outcome, Position, evaluate
from igf_hub.messages.ballot_schemas import (
    Ballot,
    BallotMember,
    BallotOpen,
    BallotPosition,
    BallotStatus,
    ClosedReason,
    PositionTake,
)
from igf_hub.messages.errors import (
    BallotAlreadyOpen,
    BallotClosed,
    BallotNotFound,
    BallotNotPassed,
    InvalidContent,
    NoEligibleMembers,
    NotEligibleToBallot,
    PositionAlreadyTaken,
    WrongStateForAction,
)
from igf_hub.messages.repository import MessageRow
from igf_hub.messages.roster import roster_entry
from igf_hub.messages.service import SUBJECT, MessageService
from igf_hub.messages.states import MessageState

SYSTEM_ACTOR = Principal(kind=PrincipalKind.client, subject="system:messages")
# A ballot that ended this way says nothing about the current text.
VOIDING = frozenset({ClosedReason.new_version, ClosedReason.sent_back, ClosedReason.withdrawn})


def rule_from(settings: Settings) -> BallotRule:
    m = settings.messages
    share = Fraction(m.ballot_supermajority)  # a malformed setting fails loudly here, at the first ballot
    if not 0 < share <= 1:
        raise ValueError(
            f"IGF_HUB_MESSAGES_BALLOT_SUPERMAJORITY must be in (0, 1], not {m.ballot_supermajority}"
        )
    return BallotRule(
        min_yes=m.ballot_min_yes, supermajority=m.ballot_supermajority, min_groups=m.ballot_min_groups
    )


def may_decide(actor: Principal) -> bool:
    """Approving and sending back belong to the MAG Chair and the Secretariat."""
    return actor.has_role(Role.secretariat) or actor.is_mag_chair


def _is_chair(user: User, at: datetime) -> bool:
    return any(
        g.role == Role.mag_member
        and g.is_chair
        and (g.valid_from is None or g.valid_from <= at)
        and (g.valid_until is None or g.valid_until > at)
        for g in user.grants
    )


class BallotService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn, self.clock, self.settings = conn, clock, settings
        self.messages = MessageService(conn, clock, settings)
        self.repo = BallotRepository(conn)

    # -- opening and closing --------------------------------------------------------------------------

    async def open(
        self,
        row: MessageRow,
        *,
        actor: Principal,
        days: int | None,
        member_groups: dict[UUID, MagStakeholderGroup],
    ) -> BallotRow:
        """Open a ballot on the current version; the caller holds the Message's row lock."""
        if await self.repo.open_for_update(row.id) is not None:
            raise BallotAlreadyOpen(f"Message {row.id} already has an open ballot")
        now = self.clock.now()
        identity = IdentityService(self.conn, self.clock, self.settings)
        holders = await identity.holders_of(Role.mag_member, now)
        if not holders:
            raise NoEligibleMembers("no user holds the mag_member role now: there is nobody to ballot")
        strangers = [
            FieldError(f"/member_groups/{uid}", f"{uid} is not a MAG member now")
            for uid in member_groups
            if uid not in holders
        ]
        if strangers:
            raise InvalidContent("stakeholder groups given for people outside the MAG", errors=strangers)
        # Each member's group and name come from the MAG roster (roster.py); the Secretariat's member_groups
        # only fills in a member the roster does not seat (a hand-made grant), and may not contradict it.
        members, conflicts = [], []
        for user_id in holders:
            user = await identity.get_user(user_id)
            seat = await roster_entry(self.repo, user, now)
            given = member_groups.get(user_id)
            group = seat.stakeholder_group if seat else None
            if group and given and given.value != group:
                conflicts.append(
                    FieldError(f"/member_groups/{user_id}", f"the MAG roster seats {user_id} for {group}")
                )
            members.append(
                MemberSnapshot(
                    user_id=user_id,
                    display_name=seat.name if seat else user.display_name or f"MAG member {str(user_id)[:8]}",
                    stakeholder_group=group or (given.value if given else None),
                    is_chair=_is_chair(user, now),
                )
            )
        if conflicts:
            raise InvalidContent("stakeholder groups that contradict the MAG roster", errors=conflicts)
        version = await self.messages.repo.version(row.id, row.current_version_number)
        assert version is not None
        ballot = await self.repo.open(
            row.id,
            version_number=version.number,
            content_sha256=version.content_sha256,
            rule=rule_from(self.settings),
            opened_by=public_role(actor),
            opened_at=now,
            closes_at=now + timedelta(days=days or self.settings.messages.ballot_default_days),
            members=members,
        )
        await self.messages.repo.add_history(
            row.id, "ballot_opened", version_number=version.number, actor=actor, at=now
        )
        details = {
            "message_id": row.id,
            "ballot_number": ballot.number,
            "version_number": version.number,
            "content_sha256": version.content_sha256,
            "closes_at": ballot.closes_at,
            "eligible": len(members),
        }
        await changelog.record(
            self.conn,
            "message.ballot_opened",
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id=row.id,
            data={**details, "members": [m.user_id for m in members]},
            event_data=details,
        )
        return ballot

    async def open_explicit(
        self, message_id: UUID, data: BallotOpen, *, actor: Principal, expected_version: int | None
    ) -> Ballot:
        """A new ballot in MAG review (after a new version closed the last one, or one that did not pass)."""
        row = await self.messages.visible(message_id, actor=actor, for_update=True)
        if not may_decide(actor):
            raise Forbidden("only the MAG Chair or the Secretariat opens a ballot")
        check_version(row.version, expected_version)
        if row.state != MessageState.mag_review:
            raise WrongStateForAction(
                "open a ballot", current=row.state, allowed_in={MessageState.mag_review}
            )
        return await self.view(
            await self.open(row, actor=actor, days=data.days, member_groups=data.member_groups)
        )

    async def close_open(
        self, message_id: UUID, reason: ClosedReason, *, actor: Principal
    ) -> BallotRow | None:
        ballot = await self.repo.open_for_update(message_id)
        if ballot is None:
            return None
        now = self.clock.now()
        outcome = await self.outcome(ballot)
        closed = await self.repo.close(ballot.id, reason=reason, now=now, outcome=outcome)
        await self.messages.repo.add_history(
            message_id,
            "ballot_closed",
            version_number=ballot.version_number,
            reason=reason,
            actor=actor,
            at=now,
        )
        details = {
            "message_id": message_id,
            "ballot_number": ballot.number,
            "version_number": ballot.version_number,
            "reason": reason,
            "passes": outcome.passes,
        }
        await changelog.record(
            self.conn,
            "message.ballot_closed",
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id=message_id,
            data={**details, "outcome": outcome},
            event_data=details,
        )
        return closed

    async def require_passed(self, row: MessageRow) -> BallotRow:
        """The ballot that allows approval: on the current version, not voided, and passing."""
        ballot = await self.repo.latest(row.id)
        if (
            ballot is None
            or ballot.version_number != row.current_version_number
            or ballot.closed_reason in VOIDING
        ):
            raise BallotNotPassed(
                f"there is no ballot on the current version {row.current_version_number}: open one first",
                extra={"current_version_number": row.current_version_number},
            )
        outcome = await self.outcome(ballot)
        if not outcome.passes:
            raise BallotNotPassed(
                outcome.needed_to_pass,
                extra={
                    "needed_to_pass": outcome.needed_to_pass,
                    "requirements": msgspec.to_builtins(outcome.requirements),
                },
            )
        return ballot

    # -- reading ----------------------------------------------------------------------------------------

    async def outcome(self, ballot: BallotRow, members: list[MemberRow] | None = None) -> Outcome:
        members = members if members is not None else await self.repo.members(ballot.id)
        positions = await self.repo.positions(ballot.id)
        return evaluate(
            len(members),
            [(Position(p.position), p.stakeholder_group) for p in positions],
            msgspec.convert(ballot.rule, BallotRule),
        )

    async def view(self, ballot: BallotRow) -> Ballot:
        members = await self.repo.members(ballot.id)
        positions = await self.repo.positions(ballot.id)
        outcome = await self.outcome(ballot, members)
        return Ballot(
            id=ballot.id,
            message_id=ballot.message_id,
            number=ballot.number,
            version_number=ballot.version_number,
            content_sha256=ballot.content_sha256,
            status=BallotStatus(ballot.status),
            closed_reason=ClosedReason(ballot.closed_reason) if ballot.closed_reason else None,
            opened_by=ballot.opened_by,
            opened_at=ballot.opened_at,
            closes_at=ballot.closes_at,
            closed_at=ballot.closed_at,
            rule=msgspec.convert(ballot.rule, BallotRule),
            members=[
                BallotMember(
                    member_id=m.user_id,
                    name=m.display_name,
                    stakeholder_group=MagStakeholderGroup(m.stakeholder_group)
                    if m.stakeholder_group
                    else None,
                    is_chair=m.is_chair,
                    has_taken_position=m.has_taken_position,
                )
                for m in members
            ],
            positions=[
                BallotPosition(
                    member_id=p.user_id,
                    name=p.display_name,
                    stakeholder_group=MagStakeholderGroup(p.stakeholder_group),
                    position=Position(p.position),
                    text=p.text,
                    revision=p.revision,
                    cast_at=p.cast_at,
                    updated_at=p.updated_at,
                )
                for p in positions
            ],
            passes=outcome.passes,
            needed_to_pass=outcome.needed_to_pass,
            outcome=outcome,
        )

    async def current(self, message_id: UUID, *, actor: Principal, number: int | None = None) -> Ballot:
        row = await self.messages.visible(message_id, actor=actor)
        ballot = await (self.repo.by_number(row.id, number) if number else self.repo.latest(row.id))
        if ballot is None:
            raise BallotNotFound(
                f"Message {message_id} has {'no such ballot' if number else 'no ballot yet'}"
            )
        return await self.view(ballot)

    async def all(self, message_id: UUID, *, actor: Principal, latest: int | None = None) -> list[Ballot]:
        """First to latest; only the ``latest`` ballots when given (exports take them all)."""
        row = await self.messages.visible(message_id, actor=actor)
        return [await self.view(b) for b in await self.repo.all(row.id, latest=latest)]

    # -- positions --------------------------------------------------------------------------------------

    async def _ballot_for_position(self, message_id: UUID, actor: Principal) -> tuple[BallotRow, MemberRow]:
        row = await self.messages.visible(message_id, actor=actor)
        ballot = await self.repo.open_for_update(row.id)
        if ballot is None:
            latest = await self.repo.latest(row.id)
            if latest is None:
                raise BallotNotFound(f"Message {message_id} has no ballot")
            raise BallotClosed(
                f"ballot {latest.number} closed ({latest.closed_reason})",
                extra={"closed_reason": latest.closed_reason},
            )
        if self.clock.now() >= ballot.closes_at:
            raise BallotClosed(
                f"the ballot's deadline passed at {ballot.closes_at.isoformat()}",
                extra={"closes_at": ballot.closes_at.isoformat()},
            )
        member = next((m for m in await self.repo.members(ballot.id) if m.user_id == actor.user_id), None)
        if member is None:
            raise NotEligibleToBallot(
                "you were not a MAG member when this ballot opened, so you take no position in it"
            )
        return ballot, member

    @staticmethod
    def _group(member: MemberRow, data: PositionTake, previous: str | None = None) -> str:
        fixed = member.stakeholder_group or previous
        declared = data.stakeholder_group.value if data.stakeholder_group else None
        if fixed and declared and declared != fixed:
            raise InvalidContent(
                errors=[FieldError("/stakeholder_group", f"your stakeholder group in this ballot is {fixed}")]
            )
        group = fixed or declared
        if group is None:
            raise InvalidContent(
                errors=[
                    FieldError("/stakeholder_group", "declare your MAG stakeholder group with your position")
                ]
            )
        return group

    async def take(self, message_id: UUID, data: PositionTake, *, actor: Principal) -> Ballot:
        ballot, member = await self._ballot_for_position(message_id, actor)
        group = self._group(member, data)
        revision = await self.repo.insert_position(
            ballot.id,
            member.user_id,
            position=data.position,
            text=data.text,
            group=group,
            now=self.clock.now(),
        )
        if revision is None:
            raise PositionAlreadyTaken(
                "you have already taken a position in this ballot: change it with PUT …/ballot/positions/mine "
                "and If-Match"
            )
        await self._position_changed(ballot, member, data, "message.ballot_position_taken", actor)
        return await self.view(ballot)

    async def change(
        self, message_id: UUID, data: PositionTake, *, actor: Principal, expected_version: int | None
    ) -> Ballot:
        ballot, member = await self._ballot_for_position(message_id, actor)
        existing = await self.repo.position_for_update(ballot.id, member.user_id)
        if existing is None:
            raise BallotNotFound("you have not taken a position in this ballot yet: POST it first")
        check_version(existing.revision, expected_version)
        group = self._group(member, data, existing.stakeholder_group)
        await self.repo.update_position(
            ballot.id,
            member.user_id,
            position=data.position,
            text=data.text,
            group=group,
            now=self.clock.now(),
        )
        await self._position_changed(ballot, member, data, "message.ballot_position_changed", actor)
        return await self.view(ballot)

    async def _position_changed(
        self, ballot: BallotRow, member: MemberRow, data: PositionTake, action: str, actor: Principal
    ) -> None:
        details = {
            "message_id": ballot.message_id,
            "ballot_number": ballot.number,
            "member_id": member.user_id,
            "position": data.position,
        }
        await changelog.record(
            self.conn,
            action,
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id=ballot.message_id,
            data={**details, "text": data.text},
            event_data=details,
        )

    # -- scheduled work -----------------------------------------------------------------------------------

    async def close_by_deadline(self, message_id: UUID) -> bool:
        await self.messages.repo.get(message_id, for_update=True)  # lock order: the Message, then its ballot
        ballot = await self.repo.open_for_update(message_id)
        if ballot is None or self.clock.now() < ballot.closes_at:
            return False
        await self.close_open(message_id, ClosedReason.deadline, actor=SYSTEM_ACTOR)
        return True

    async def send_reminders(self) -> int:
        """One reminder event per open ballot nearing its deadline, naming who has not taken a position."""
        now = self.clock.now()
        sent = 0
        for ballot in await self.repo.needing_reminder(
            now, now + timedelta(hours=self.settings.messages.ballot_reminder_hours)
        ):
            pending = [m.user_id for m in await self.repo.members(ballot.id) if not m.has_taken_position]
            await self.repo.mark_reminded(ballot.id, now)
            details = {
                "message_id": ballot.message_id,
                "ballot_number": ballot.number,
                "closes_at": ballot.closes_at,
                "pending_member_ids": pending,
            }
            await changelog.record(
                self.conn,
                "message.ballot_reminder",
                actor=SYSTEM_ACTOR.subject,
                subject_type=SUBJECT,
                subject_id=ballot.message_id,
                data=details,
                publish=bool(pending),  # everyone has taken a position: no one to remind, nothing to send
            )
            sent += bool(pending)
        return sent
