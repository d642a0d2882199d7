"""The MAG's pages: a member's queue of open ballots, and a Message's ballot page (the exact version under
ballot with its hash, what changed since the previous ballot, the dispositions, the member's position, the live
tally and what is still needed to pass), with the Chair's and the Secretariat's decisions.

Thin like the API's controllers: positions go through ``BallotService.take``/``change`` and decisions through
``MessageLifecycle.transition``/``BallotService.open_explicit``, the very calls the API makes. The tally's
numbers are ``ballot_rule.evaluate``'s (in ``Ballot.outcome``); the page only draws and words them. Each write
runs in a savepoint, so a refusal shown on the page leaves nothing half-written.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

import asyncpg
from litestar import Response, get, post
from litestar.response import Redirect

from igf_hub.auth.principal import AnyRequest, Principal, Role
from igf_hub.core.clock import Clock
from igf_hub.core.errors import Forbidden, IllegalTransition, PreconditionFailed
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import MagStakeholderGroup
from igf_hub.messages.ballot_rule import Position
from igf_hub.messages.ballot_schemas import Ballot, BallotOpen, BallotStatus, PositionTake
from igf_hub.messages.ballot_service import BallotService, may_decide
from igf_hub.messages.comment_service import CommentService
from igf_hub.messages.disposition_pages import NO_STORE, reader, to_signin
from igf_hub.messages.errors import (
    BallotAlreadyOpen,
    BallotClosed,
    BallotNotFound,
    BallotNotPassed,
    InvalidContent,
    NoEligibleMembers,
    NotEligibleToBallot,
    PositionAlreadyTaken,
)
from igf_hub.messages.lifecycle_service import MessageLifecycle
from igf_hub.messages.pages import OUTCOME_NAMES, STATE_NAMES, all_comments, text_for
from igf_hub.messages.repository import MessageFilters
from igf_hub.messages.schemas import Approve, Publish, SendBack, Transition
from igf_hub.messages.service import MessageService
from igf_hub.messages.states import MessageState
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext, request_language
from igf_hub.web.navigation import WorkItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import MAG_GROUP_NAMES

POSITION_NAMES = {
    Position.yes: N_("Yes"),
    Position.no_objection: N_("No objection"),
    Position.concern: N_("Concern"),
    Position.abstain: N_("Abstain"),
    Position.recuse: N_("Recuse"),
}
CLOSED_REASON_NAMES = {
    "deadline": N_("its deadline passed"),
    "new_version": N_("a new version of the text replaced the one under ballot"),
    "sent_back": N_("the Message was sent back to drafting"),
    "approved": N_("the Message was approved"),
    "withdrawn": N_("the Message was withdrawn"),
}
POSITION_FIELDS = ("position", "text", "stakeholder_group", "revision")
QUEUE_PAGE = 100


def position_errors(form: dict[str, str], language: str, needs_group: bool) -> dict[str, str]:
    """What the form itself can tell before asking the service, in the page's language."""
    errors: dict[str, str] = {}
    if form["position"] not in set(Position):
        errors["position"] = gettext(language, N_("Choose your position."))
    text = form["text"]
    if form["position"] == Position.concern and len(text) < 3:
        errors["text"] = gettext(language, N_("Say what your concern is: a concern needs its reason."))
    elif form["position"] == Position.recuse and len(text) < 3:
        errors["text"] = gettext(language, N_("Give the reason you recuse yourself."))
    elif text and len(text) < 3:
        errors["text"] = gettext(language, N_("Write at least 3 characters, or leave it empty."))
    elif len(text) > 5_000:
        errors["text"] = gettext(language, N_("Keep it under 5,000 characters."))
    group = form["stakeholder_group"]
    if (group and group not in set(MagStakeholderGroup)) or (needs_group and not group):
        errors["stakeholder_group"] = gettext(language, N_("Choose your MAG stakeholder group."))
    return errors


def tally_view(ballot: Ballot) -> dict[str, Any]:
    """The tally as the page draws it; every number is ballot_rule.evaluate's or a count of the positions."""
    outcome = ballot.outcome
    t = outcome.tally
    groups: dict[str, Counter[str]] = {}
    for member in ballot.members:
        key = member.stakeholder_group.value if member.stakeholder_group else ""
        groups.setdefault(key, Counter())["members"] += 1
    for p in ballot.positions:
        groups.setdefault(p.stakeholder_group.value, Counter())[p.position.value] += 1
    requirements = {r.rule: r for r in outcome.requirements}
    return {
        "t": t,
        "base": t.eligible - t.recuse,
        "passes": outcome.passes,
        "requirements": outcome.requirements,
        "by_rule": requirements,
        "groups": sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0])),
        "bars": [
            ("yes", t.yes),
            ("no_objection", t.no_objection),
            ("concern", t.concern),
            ("abstain", t.abstain),
            ("recuse", t.recuse),
        ],
        "scale": max(t.eligible, 1),
    }


async def disposition_summary(comments: CommentService, message_id: UUID, actor: Principal) -> dict[str, Any]:
    found = await all_comments(comments, message_id, actor)
    counts = Counter(c.disposition.outcome.value for c in found if c.disposition)
    return {
        "total": len(found),
        "counts": sorted(counts.items()),
        "left": sum(1 for c in found if not c.disposition),
    }


class BallotPages(PageController):
    path = "/messages"

    # -- a member's queue ---------------------------------------------------------------------------------

    @get("/ballots", name="messages:my-ballots")
    async def queue(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        """The open ballots the signed-in MAG member is on the roll of, nearest deadline first: those awaiting
        their position, then those where they may still change it."""
        actor = reader(request)
        if actor.user_id is None:
            return to_signin(request)
        language = request_language(request)
        messages = MessageService(db, clock, settings)
        ballots = BallotService(db, clock, settings)
        waiting: list[dict[str, Any]] = []
        taken: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = await messages.page(
                MessageFilters(state=MessageState.mag_review), actor=actor, cursor=cursor, limit=QUEUE_PAGE
            )
            for item in page.items:
                try:
                    ballot = await ballots.current(item.id, actor=actor)
                except BallotNotFound:
                    continue
                if ballot.status is not BallotStatus.open or not any(
                    m.member_id == actor.user_id for m in ballot.members
                ):
                    continue
                message = await messages.get(item.id, actor=actor)
                mine = next((p for p in ballot.positions if p.member_id == actor.user_id), None)
                entry = {
                    "message": message,
                    "text": text_for(message, None, language),
                    "ballot": ballot,
                    "mine": mine,
                }
                (taken if mine else waiting).append(entry)
            cursor = page.next_cursor
            if cursor is None:
                break
        for entries in (waiting, taken):
            entries.sort(key=lambda e: e["ballot"].closes_at)
        return render(
            request,
            "messages/ballot/queue.html",
            {"waiting": waiting, "taken": taken, "position_names": POSITION_NAMES, "now": clock.now()},
            headers={"Cache-Control": NO_STORE},
        )

    # -- the ballot page ------------------------------------------------------------------------------------

    @get("/{message_id:uuid}/ballot", name="messages:ballot")
    async def ballot(
        self, message_id: UUID, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        """The latest ballot on the Message: readable by whoever may read the Message, as in the API."""
        return await self._page(request, db, clock, settings, message_id, None, {}, {}, None, 200)

    async def _page(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        message_id: UUID,
        form: dict[str, str] | None,
        errors: dict[str, str],
        decision_form: dict[str, str],
        decision_refusal: str | None,
        status: int,
    ) -> Response[Any]:
        actor = reader(request)
        language = request_language(request)
        messages = MessageService(db, clock, settings)
        ballots = BallotService(db, clock, settings)
        message = await messages.get(message_id, actor=actor)
        all_ballots = await ballots.all(message_id, actor=actor)
        ballot = all_ballots[-1] if all_ballots else None
        previous = next(
            (b for b in reversed(all_ballots[:-1]) if ballot and b.version_number != ballot.version_number),
            None,
        )
        changes = None
        if ballot is not None and previous is not None:
            changes = await messages.diff(
                message_id, previous.version_number, ballot.version_number, actor=actor
            )
        mine = None
        member = None
        if ballot is not None and actor.user_id is not None:
            member = next((m for m in ballot.members if m.member_id == actor.user_id), None)
            mine = next((p for p in ballot.positions if p.member_id == actor.user_id), None)
        if form is None:
            form = {
                "position": mine.position.value if mine else "",
                "text": (mine.text or "") if mine else "",
                "stakeholder_group": "",
                "revision": str(mine.revision) if mine else "",
            }
        is_open = ballot is not None and ballot.status is BallotStatus.open and clock.now() < ballot.closes_at
        token = await context_of(request.scope).csrf_token(db) if actor.user_id is not None else ""
        return render(
            request,
            "messages/ballot/ballot.html",
            {
                "message": message,
                "text": text_for(message, None, language),
                "ballot": ballot,
                "previous": previous,
                "changes": changes,
                "tally": tally_view(ballot) if ballot else None,
                "positions_by_member": {p.member_id: p for p in ballot.positions} if ballot else {},
                "member": member,
                "mine": mine,
                "is_open": is_open,
                "needs_group": member is not None and member.stakeholder_group is None and mine is None,
                "form": form,
                "errors": errors,
                "position_options": [("", gettext(language, N_("Choose one")))]
                + [(p.value, gettext(language, POSITION_NAMES[p])) for p in Position],
                "group_options": [("", gettext(language, N_("Choose one")))]
                + [(g.value, gettext(language, MAG_GROUP_NAMES[g])) for g in MagStakeholderGroup],
                "dispositions": await disposition_summary(
                    CommentService(db, clock, settings), message_id, actor
                ),
                "may_decide": may_decide(actor),
                "is_secretariat": actor.has_role(Role.secretariat),
                "decision_form": decision_form,
                "decision_refusal": decision_refusal,
                "csrf_token": token,
                "position_names": POSITION_NAMES,
                "group_names": MAG_GROUP_NAMES,
                "outcome_names": OUTCOME_NAMES,
                "state_names": STATE_NAMES,
                "closed_reason_names": CLOSED_REASON_NAMES,
            },
            status_code=status,
            headers={"Cache-Control": NO_STORE},
        )

    @post("/{message_id:uuid}/ballot/position", name="messages:ballot-position", status_code=303)
    async def position(
        self, message_id: UUID, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        """Take a position, or change it while the ballot is open (``revision``: the one the form showed), with
        the API's own service: members of the ballot's eligibility snapshot only."""
        actor = reader(request)
        if actor.user_id is None:
            return to_signin(request)
        language = request_language(request)
        raw = await request.form()
        form = {name: str(raw.get(name) or "").strip() for name in POSITION_FIELDS}
        ballots = BallotService(tx, clock, settings)
        current = await ballots.current(
            message_id, actor=actor
        )  # 404 when the Message or its ballot is not there
        member = next((m for m in current.members if m.member_id == actor.user_id), None)
        mine = next((p for p in current.positions if p.member_id == actor.user_id), None)
        needs_group = member is not None and member.stakeholder_group is None and mine is None
        # Off the ballot's roll (its eligibility snapshot, which the service checks the same way): said first,
        # whatever else the form holds.
        errors = position_errors(form, language, needs_group) if member is not None else {}
        status = 422
        if member is None:
            status = 403
            errors = {
                "position": gettext(
                    language,
                    N_("You were not a MAG member when this ballot opened, so you take no position in it."),
                )
            }
        elif not errors:
            data = PositionTake(
                position=Position(form["position"]),
                text=form["text"] or None,
                stakeholder_group=MagStakeholderGroup(form["stakeholder_group"])
                if form["stakeholder_group"]
                else None,
            )
            try:
                async with tx.transaction():
                    if form["revision"]:
                        await ballots.change(
                            message_id,
                            data,
                            actor=actor,
                            expected_version=int(form["revision"]) if form["revision"].isdigit() else None,
                        )
                    else:
                        await ballots.take(message_id, data, actor=actor)
            except BallotClosed:
                status = 409
                errors = {
                    "position": gettext(
                        language, N_("The ballot is closed: positions can no longer be taken or changed.")
                    )
                }
            except NotEligibleToBallot:
                status = 403
                errors = {
                    "position": gettext(
                        language,
                        N_(
                            "You were not a MAG member when this ballot opened, so you take no position in it."
                        ),
                    )
                }
            except (PositionAlreadyTaken, PreconditionFailed, BallotNotFound):
                status = 409
                errors = {
                    "position": gettext(
                        language,
                        N_(
                            "Your position changed since this page was opened (in another window?): check it below, then send yours again."
                        ),
                    )
                }
            except InvalidContent:
                errors = {
                    "stakeholder_group": gettext(
                        language, N_("Choose the stakeholder group you hold your MAG seat for.")
                    )
                }
            else:
                here = i18n.path_in(language, f"/messages/{message_id}/ballot")
                return Redirect(f"{here}?saved=1#my-position", status_code=303)
        if status == 409:
            form["revision"] = ""  # shown afresh from what is recorded now
            form = {**form, **self._recorded(await ballots.current(message_id, actor=actor), actor, form)}
        return await self._page(request, tx, clock, settings, message_id, form, errors, {}, None, status)

    @staticmethod
    def _recorded(ballot: Ballot, actor: Principal, form: dict[str, str]) -> dict[str, str]:
        mine = next((p for p in ballot.positions if p.member_id == actor.user_id), None)
        return {"revision": str(mine.revision)} if mine else {"revision": ""}

    # -- the Chair's and the Secretariat's decisions --------------------------------------------------------

    @post("/{message_id:uuid}/ballot/decision", name="messages:ballot-decision", status_code=303)
    async def decide(
        self, message_id: UUID, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        """Approve or send back (the MAG Chair or the Secretariat), open a new ballot, or publish (the
        Secretariat): the API's transitions, refused by the same service."""
        actor = reader(request)
        if actor.user_id is None:
            return to_signin(request)
        if not may_decide(actor):  # the service's own predicate: others learn nothing about the Message
            raise Forbidden("only the MAG Chair or the Secretariat decides on a ballot")
        language = request_language(request)
        raw = await request.form()
        form = {name: str(raw.get(name) or "").strip() for name in ("action", "reason", "version")}
        version = int(form["version"]) if form["version"].isdigit() else None
        data: Transition | None = None
        refusal: str | None = None
        if form["action"] == "approve":
            data = Approve()
        elif form["action"] == "publish":
            data = Publish()
        elif form["action"] == "send_back":
            if len(form["reason"]) < 3 or len(form["reason"]) > 5_000:
                refusal = gettext(
                    language, N_("Say why the Message goes back to drafting (3 to 5,000 characters).")
                )
            else:
                data = SendBack(reason=form["reason"])
        elif form["action"] != "open_ballot":
            refusal = gettext(language, N_("Choose one of the actions on this page."))
        status = 422
        if refusal is None:
            try:
                async with tx.transaction():
                    if data is None:
                        await BallotService(tx, clock, settings).open_explicit(
                            message_id, BallotOpen(), actor=actor, expected_version=version
                        )
                    else:
                        await MessageLifecycle(tx, clock, settings).transition(
                            message_id, data, actor=actor, expected_version=version
                        )
            except BallotNotPassed:
                status = 409
                refusal = gettext(
                    language,
                    N_("The Message cannot be approved: the ballot on its current version has not passed."),
                )
            except (IllegalTransition, BallotAlreadyOpen):
                status = 409
                refusal = gettext(
                    language,
                    N_(
                        "This is not possible in the Message's current state: reload the page to see what changed."
                    ),
                )
            except NoEligibleMembers:
                status = 409
                refusal = gettext(
                    language, N_("Nobody holds the MAG member role now, so there is nobody to ballot.")
                )
            except PreconditionFailed:
                status = 412
                refusal = gettext(
                    language, N_("The Message changed since you opened this page: check it, then try again.")
                )
            else:
                target = (
                    f"/messages/{message_id}"
                    if form["action"] == "publish"
                    else f"/messages/{message_id}/ballot"
                )
                return Redirect(i18n.path_in(language, target), status_code=303)
        return await self._page(request, tx, clock, settings, message_id, None, {}, form, refusal, status)


# The MAG member's entry point on "My work" (web/workspace.py).
WORKSPACE = [
    WorkItem(
        path="/messages/ballots",
        label=N_("MAG ballots"),
        roles=frozenset({Role.mag_member}),
        description=N_("IGF Messages awaiting your position, with their deadlines."),
        order=20,
    ),
]
