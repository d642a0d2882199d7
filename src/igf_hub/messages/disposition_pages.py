"""The drafters' pages for answering public comments: what is left before the MAG review can start, a
disposition for one comment, one disposition for several identical comments, and the "start MAG review" action.

Thin like the API's controllers: every write goes through ``CommentService`` and ``MessageLifecycle``, which
enforce who may do what and when (the undisposed-comments gate included). The pages only show those rules
before the person acts (the start button is disabled while comments are left) and say a refusal in the page's
language, the person's input kept. Each write runs in a savepoint, so a refusal leaves nothing half-written.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
from litestar import Response, get, post
from litestar.response import Redirect

from igf_hub.auth.principal import ANONYMOUS, AnyRequest, Principal, Role
from igf_hub.core.clock import Clock
from igf_hub.core.errors import IllegalTransition, PreconditionFailed
from igf_hub.core.settings import Settings
from igf_hub.messages.comment_schemas import (
    TAKEN_IN,
    Comment,
    CommentRef,
    DispositionBulk,
    DispositionOutcome,
    DispositionSet,
)
from igf_hub.messages.comment_service import CommentService
from igf_hub.messages.errors import (
    CommentNotFound,
    InvalidContent,
    NoEligibleMembers,
    NotADrafter,
    UndisposedComments,
    WrongStateForAction,
)
from igf_hub.messages.lifecycle_service import MessageLifecycle
from igf_hub.messages.pages import (
    OUTCOME_NAMES,
    STATE_NAMES,
    all_comments,
    excerpt,
    text_for,
)
from igf_hub.messages.schemas import Message, SubmitForReview
from igf_hub.messages.service import MessageService
from igf_hub.messages.states import DISPOSABLE, MessageState
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext, request_language
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import STAKEHOLDER_GROUP_NAMES

NO_STORE = "no-store"
# The four answers a drafter gives on these pages (the API also knows "duplicate", shown when recorded).
OUTCOMES = (
    DispositionOutcome.accepted,
    DispositionOutcome.partially_accepted,
    DispositionOutcome.not_accepted,
    DispositionOutcome.out_of_scope,
)
FIELDS = ("outcome", "rationale", "version_number")


def reader(request: AnyRequest) -> Principal:
    user: Principal | None = request.scope.get("user")
    return user or ANONYMOUS


def to_signin(request: AnyRequest) -> Redirect:
    here = i18n.path_in(request_language(request), request.url.path)
    query = request.url.query
    return Redirect("/signin?" + urlencode({"next": here + (f"?{query}" if query else "")}), status_code=303)


async def drafters_message(
    db: asyncpg.Connection, clock: Clock, settings: Settings, message_id: UUID, actor: Principal
) -> Message:
    """The Message for its drafters: the API's own visibility and drafter check (404, then 403)."""
    service = MessageService(db, clock, settings)
    row = await service.visible(message_id, actor=actor)
    if not await service.can_draft(row, actor=actor):
        raise NotADrafter(f"you are not a drafter of Message {message_id}")
    return await service.view(row)


def same_text(body: str) -> str:
    """Comments are identical when their words are, whatever the spacing and case."""
    return " ".join(body.split()).casefold()


def identical_groups(comments: list[Comment]) -> list[list[Comment]]:
    groups: dict[str, list[Comment]] = {}
    for c in comments:
        groups.setdefault(same_text(c.body), []).append(c)
    return [g for g in groups.values() if len(g) > 1]


def outcome_options(language: str) -> list[tuple[str, str]]:
    return [("", gettext(language, N_("Choose one")))] + [
        (o.value, gettext(language, OUTCOME_NAMES[o.value])) for o in OUTCOMES
    ]


async def version_options(
    db: asyncpg.Connection,
    clock: Clock,
    settings: Settings,
    message: Message,
    actor: Principal,
    language: str,
    after: int,
) -> list[tuple[str, str]]:
    """The versions of the authoritative text that may have taken a comment in (those after ``after``)."""
    service = MessageService(db, clock, settings)
    page = await service.versions(
        message.id, actor=actor, language=message.source_language, cursor=None, limit=100
    )
    label = gettext(language, N_("Version %(number)s"))
    return [("", gettext(language, N_("None")))] + [
        (str(v.number), label % {"number": v.number}) for v in page.items if v.number > after
    ]


def form_errors(form: dict[str, str], language: str) -> dict[str, str]:
    """What the form itself can tell before asking the service, in the page's language."""
    errors: dict[str, str] = {}
    if form["outcome"] not in {o.value for o in OUTCOMES}:
        errors["outcome"] = gettext(language, N_("Choose how the comment was taken into account."))
    rationale = form["rationale"]
    if len(rationale) < 3:
        errors["rationale"] = gettext(
            language, N_("Give the reason for this disposition (at least 3 characters).")
        )
    elif len(rationale) > 5_000:
        errors["rationale"] = gettext(language, N_("The reason is too long: keep it under 5,000 characters."))
    if form["version_number"] and not form["version_number"].isdigit():
        errors["version_number"] = gettext(language, N_("Choose a version from the list."))
    elif not form["version_number"] and form["outcome"] in TAKEN_IN:
        errors["version_number"] = gettext(
            language, N_("A comment accepted, even partly, names the version of the text that took it in.")
        )
    return errors


def refused_fields(exc: InvalidContent, language: str) -> dict[str, str]:
    """The service's refusal, field by field, as sentences in the page's language."""
    errors: dict[str, str] = {}
    for error in exc.errors:
        if error.pointer == "/version_number":
            errors["version_number"] = gettext(
                language, N_("Choose a version of the text that came after the one the comment was made on.")
            )
        elif error.pointer.startswith("/comments/"):
            errors["comments"] = gettext(
                language, N_("One of the chosen comments cannot take this disposition: none was recorded.")
            )
        else:
            errors["outcome"] = gettext(language, N_("This disposition cannot be recorded as given."))
    return errors


def state_refusal(state: MessageState, language: str) -> str:
    return gettext(
        language,
        N_(
            "Dispositions are recorded while the Message is open for comment, in synthesis or a draft; it is now: %(state)s."
        ),
    ) % {"state": gettext(language, STATE_NAMES[state])}


def read_form(raw: Any) -> dict[str, str]:
    return {name: str(raw.get(name) or "").strip() for name in (*FIELDS, "version")}


class DispositionPages(PageController):
    path = "/messages/{message_id:uuid}"

    @get("/dispositions", name="messages:dispositions", cache_control=None)
    async def overview(
        self, message_id: UUID, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        """Every comment and its disposition, the comments still left, groups of identical comments to answer
        at once, and the "start MAG review" action (disabled while a comment has no disposition)."""
        actor = reader(request)
        if actor.user_id is None:
            return to_signin(request)
        message = await drafters_message(db, clock, settings, message_id, actor)
        return await self._overview(request, db, clock, settings, message, actor, None, 200)

    async def _overview(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        message: Message,
        actor: Principal,
        refusal: str | None,
        status: int,
        refused_count: int = 0,
    ) -> Response[Any]:
        language = request_language(request)
        comments = await all_comments(CommentService(db, clock, settings), message.id, actor)
        left = [c for c in comments if c.disposition is None]
        done = [c for c in comments if c.disposition is not None]
        # What keeps the MAG review from starting, each as a sentence (the service refuses the same things).
        blockers = []
        if message.state is not MessageState.synthesis:
            blockers.append(
                gettext(
                    language,
                    N_(
                        "The MAG review starts from synthesis, once the comment period has ended; the Message is now: %(state)s."
                    ),
                )
                % {"state": gettext(language, STATE_NAMES[message.state])}
            )
        left_count = len(left)  # said in the template, which knows plural forms
        if not actor.has_role(Role.secretariat):
            blockers.append(gettext(language, N_("Only the IGF Secretariat starts the MAG review.")))
        return render(
            request,
            "messages/ballot/dispositions.html",
            {
                "message": message,
                "text": text_for(message, None, language),
                "left": left,
                "done": done,
                "groups": identical_groups(left),
                "disposable": message.state in DISPOSABLE,
                "blockers": blockers,
                "left_count": left_count,
                "refusal": refusal,
                "refused_count": refused_count,
                "csrf_token": await context_of(request.scope).csrf_token(db),
                "outcome_names": OUTCOME_NAMES,
                "stakeholder_names": STAKEHOLDER_GROUP_NAMES,
                "state_names": STATE_NAMES,
                "excerpt": excerpt,
            },
            status_code=status,
            headers={"Cache-Control": NO_STORE},
        )

    # -- one comment ---------------------------------------------------------------------------------------

    @get("/dispositions/{comment_id:uuid}", name="messages:disposition-form")
    async def disposition_form(
        self,
        message_id: UUID,
        comment_id: UUID,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
    ) -> Response[Any]:
        """The form to record (or change) the disposition of one comment."""
        actor = reader(request)
        if actor.user_id is None:
            return to_signin(request)
        message = await drafters_message(db, clock, settings, message_id, actor)
        comment = await CommentService(db, clock, settings).get(message_id, comment_id, actor=actor)
        d = comment.disposition
        form = {
            "outcome": d.outcome.value if d else "",
            "rationale": d.rationale if d else "",
            "version_number": str(d.version_number) if d and d.version_number else "",
            "version": str(comment.version),
        }
        return await self._single(request, db, clock, settings, message, comment, form, {}, 200)

    async def _single(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        message: Message,
        comment: Comment,
        form: dict[str, str],
        errors: dict[str, str],
        status: int,
    ) -> Response[Any]:
        language = request_language(request)
        return render(
            request,
            "messages/ballot/disposition.html",
            {
                "message": message,
                "text": text_for(message, None, language),
                "comment": comment,
                "comments": [comment],
                "form": form,
                "errors": errors,
                "disposable": message.state in DISPOSABLE,
                "state_note": None if message.state in DISPOSABLE else state_refusal(message.state, language),
                "outcome_options": outcome_options(language),
                "version_options": await version_options(
                    db, clock, settings, message, reader(request), language, comment.version_number
                ),
                "csrf_token": await context_of(request.scope).csrf_token(db),
                "outcome_names": OUTCOME_NAMES,
                "stakeholder_names": STAKEHOLDER_GROUP_NAMES,
                "bulk": False,
            },
            status_code=status,
            headers={"Cache-Control": NO_STORE},
        )

    @post("/dispositions/{comment_id:uuid}", name="messages:dispose", status_code=303)
    async def dispose(
        self,
        message_id: UUID,
        comment_id: UUID,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
    ) -> Response[Any]:
        """A disposition from the form, through the API's own service (If-Match: the version the form was
        opened at)."""
        actor = reader(request)
        if actor.user_id is None:
            return to_signin(request)
        language = request_language(request)
        message = await drafters_message(tx, clock, settings, message_id, actor)
        comments = CommentService(tx, clock, settings)
        form = read_form(await request.form())
        errors = form_errors(form, language)
        status = 422
        if not errors:
            data = DispositionSet(
                outcome=DispositionOutcome(form["outcome"]),
                rationale=form["rationale"],
                version_number=int(form["version_number"]) if form["version_number"] else None,
            )
            expected = int(form["version"]) if form["version"].isdigit() else None
            try:
                async with tx.transaction():
                    await comments.dispose(
                        message_id, comment_id, data, actor=actor, expected_version=expected
                    )
            except InvalidContent as exc:
                errors = refused_fields(exc, language)
            except PreconditionFailed:
                status = 412
                errors = {
                    "outcome": gettext(
                        language,
                        N_(
                            "Someone changed this comment's disposition while you were writing yours: check it above, then send yours again."
                        ),
                    )
                }
            except WrongStateForAction:
                status = 409
                errors = {"outcome": state_refusal(message.state, language)}
            else:
                back = i18n.path_in(language, f"/messages/{message_id}/dispositions")
                return Redirect(f"{back}#comment-{comment_id}", status_code=303)
        comment = await comments.get(message_id, comment_id, actor=actor)
        if status == 412:
            form["version"] = str(comment.version)
        return await self._single(request, tx, clock, settings, message, comment, form, errors, status)

    # -- several identical comments at once --------------------------------------------------------------

    @get("/dispositions/bulk", name="messages:bulk-disposition-form")
    async def bulk_form(
        self,
        message_id: UUID,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
    ) -> Response[Any]:
        """One disposition for the comments named in ``?comment=`` (identical comments, from the overview)."""
        actor = reader(request)
        if actor.user_id is None:
            return to_signin(request)
        message = await drafters_message(db, clock, settings, message_id, actor)
        chosen = await self._chosen(
            db, clock, settings, message_id, request.query_params.getall("comment", []), actor
        )
        form = {"outcome": "", "rationale": "", "version_number": ""}
        return await self._bulk(request, db, clock, settings, message, chosen, form, {}, 200)

    async def _chosen(
        self,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        message_id: UUID,
        values: list[str],
        actor: Principal,
    ) -> list[Comment]:
        service = CommentService(db, clock, settings)
        found = []
        for value in values[:500]:
            try:
                found.append(await service.get(message_id, UUID(value.split(":")[0]), actor=actor))
            except (ValueError, CommentNotFound):
                continue
        return found

    async def _bulk(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        message: Message,
        chosen: list[Comment],
        form: dict[str, str],
        errors: dict[str, str],
        status: int,
        checked: set[UUID] | None = None,
    ) -> Response[Any]:
        language = request_language(request)
        after = max((c.version_number for c in chosen), default=0)
        return render(
            request,
            "messages/ballot/disposition.html",
            {
                "message": message,
                "text": text_for(message, None, language),
                "comment": None,
                "comments": chosen,
                "checked": checked if checked is not None else {c.id for c in chosen},
                "form": form,
                "errors": errors,
                "disposable": message.state in DISPOSABLE,
                "state_note": None if message.state in DISPOSABLE else state_refusal(message.state, language),
                "outcome_options": outcome_options(language),
                "version_options": await version_options(
                    db, clock, settings, message, reader(request), language, after
                ),
                "csrf_token": await context_of(request.scope).csrf_token(db),
                "outcome_names": OUTCOME_NAMES,
                "stakeholder_names": STAKEHOLDER_GROUP_NAMES,
                "bulk": True,
            },
            status_code=status,
            headers={"Cache-Control": NO_STORE},
        )

    @post("/dispositions/bulk", name="messages:bulk-dispose", status_code=303)
    async def bulk_dispose(
        self, message_id: UUID, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        """One disposition for every ticked comment, through the API's bulk service: all of them or none."""
        actor = reader(request)
        if actor.user_id is None:
            return to_signin(request)
        language = request_language(request)
        message = await drafters_message(tx, clock, settings, message_id, actor)
        raw = await request.form()
        form = read_form(raw)
        ticked = [str(v) for v in raw.getall("comment", [])]
        listed = [str(v) for v in raw.getall("listed", [])]
        refs = []
        for value in ticked[:500]:
            ident, _, version = value.partition(":")
            try:
                refs.append(CommentRef(id=UUID(ident), version=int(version)))
            except ValueError:
                continue
        errors = form_errors(form, language)
        if not refs:
            errors = {"comments": gettext(language, N_("Tick at least one comment."))} | errors
        status = 422
        if not errors:
            data = DispositionBulk(
                comments=refs,
                outcome=DispositionOutcome(form["outcome"]),
                rationale=form["rationale"],
                version_number=int(form["version_number"]) if form["version_number"] else None,
            )
            try:
                async with tx.transaction():
                    await CommentService(tx, clock, settings).dispose_many(message_id, data, actor=actor)
            except InvalidContent as exc:
                errors = refused_fields(exc, language)
            except PreconditionFailed:
                status = 412
                errors = {
                    "comments": gettext(
                        language,
                        N_(
                            "Some of these comments changed while you were writing: none was recorded. Check them, then send again."
                        ),
                    )
                }
            except WrongStateForAction:
                status = 409
                errors = {"outcome": state_refusal(message.state, language)}
            else:
                back = i18n.path_in(language, f"/messages/{message_id}/dispositions")
                return Redirect(back, status_code=303)
        chosen = await self._chosen(tx, clock, settings, message_id, listed or ticked, actor)
        checked = {r.id for r in refs}
        return await self._bulk(request, tx, clock, settings, message, chosen, form, errors, status, checked)

    # -- the gate -------------------------------------------------------------------------------------------

    @post("/start-review", name="messages:start-review", status_code=303)
    async def start_review(
        self, message_id: UUID, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        """Synthesis → MAG review (the Secretariat), which opens the ballot; the same transition as the API's,
        refused by the service while any comment lacks a disposition."""
        actor = reader(request)
        if actor.user_id is None:
            return to_signin(request)
        language = request_language(request)
        message = await drafters_message(tx, clock, settings, message_id, actor)
        raw = await request.form()
        version = str(raw.get("version") or "")
        refusal: str | None = None
        refused_count = 0  # comments without a disposition when the service refused (plural in the template)
        status = 409
        try:
            async with tx.transaction():
                await MessageLifecycle(tx, clock, settings).transition(
                    message_id,
                    SubmitForReview(),
                    actor=actor,
                    expected_version=int(version) if version.isdigit() else None,
                )
        except UndisposedComments as exc:
            refused_count = int(exc.extra.get("undisposed_count", 0))
        except IllegalTransition:
            refusal = gettext(
                language,
                N_(
                    "The MAG review starts from synthesis, once the comment period has ended; the Message is now: %(state)s."
                ),
            ) % {"state": gettext(language, STATE_NAMES[message.state])}
        except NoEligibleMembers:
            refusal = gettext(
                language, N_("Nobody holds the MAG member role now, so there is nobody to ballot.")
            )
        except PreconditionFailed:
            status = 412
            refusal = gettext(
                language, N_("The Message changed since you opened this page: check it, then try again.")
            )
        except InvalidContent:
            refusal = gettext(
                language,
                N_(
                    "The MAG roster and the members' stakeholder groups disagree: ask the Secretariat to fix the roster."
                ),
            )
        else:
            return Redirect(i18n.path_in(language, f"/messages/{message_id}/ballot"), status_code=303)
        message = await drafters_message(tx, clock, settings, message_id, actor)
        return await self._overview(
            request, tx, clock, settings, message, actor, refusal, status, refused_count
        )
