"""Moderating a Message's public comments: every comment by paragraph, filtered by state, stakeholder group and
language, and hiding an abusive one with a public reason (``CommentService.hide``: the comment stays in the
record and still needs its disposition). The Message's drafters and the Secretariat only, as in the API.
Dispositions are on their own pages (messages/disposition_pages.py)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
import msgspec
from litestar import Response, get, post
from litestar.params import Parameter, QueryParameter
from litestar.response import Redirect, Template

from igf_hub.auth.guards import requires_authenticated
from igf_hub.auth.principal import AnyRequest, Principal
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError, PreconditionFailed
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.messages.comment_schemas import Comment, CommentHide
from igf_hub.messages.comment_service import CommentService
from igf_hub.messages.errors import CommentAlreadyHidden
from igf_hub.messages.pages import OUTCOME_NAMES, all_comments, markdown
from igf_hub.messages.schemas import Message
from igf_hub.messages.service import MessageService
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import LANGUAGES, N_, gettext, request_language
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import STAKEHOLDER_GROUP_NAMES

STATES = {
    "undisposed": N_("Waiting for a disposition"),
    "disposed": N_("With a disposition"),
    "hidden": N_("Hidden"),
}
HIDDEN = N_("The comment is hidden. Its reason is shown in its place; the comment stays in the record.")
ALREADY_HIDDEN = N_("This comment is already hidden.")
STALE_COMMENT = N_(
    "This comment changed since you opened the page. Look at it again, then hide it if needed."
)
GIVE_REASON = N_("Give the public reason for hiding it: between 3 and 1,000 characters.")


def _actor(request: AnyRequest) -> Principal:
    user: Principal = request.user
    return user


def clean(state: str, group: str, language: str) -> dict[str, str]:
    """The filters as asked, where they name a known state, group and language."""
    return {
        "state": state if state in STATES else "",
        "group": group if group in set(StakeholderGroup) else "",
        "language": language if language in LANGUAGES else "",
    }


def shown(comments: list[Comment], state: str, group: str, language: str) -> list[Comment]:
    """The comments the filters keep (display only: which comments exist is the service's answer)."""

    def keep(c: Comment) -> bool:
        if state == "undisposed" and c.disposition is not None:
            return False
        if state == "disposed" and c.disposition is None:
            return False
        if state == "hidden" and c.hidden is None:
            return False
        if group and c.stakeholder_group != group:
            return False
        return not language or c.language == language

    return [c for c in comments if keep(c)]


def by_paragraph(message: Message, comments: list[Comment]) -> list[tuple[str | None, str, list[Comment]]]:
    """(paragraph id, its current text, its comments) in the text's order, then the whole Message, then
    paragraphs no longer in the text."""
    groups: dict[str | None, list[Comment]] = {}
    for c in comments:
        groups.setdefault(c.paragraph_id, []).append(c)
    texts = {p.id: p.text for p in message.languages[0].paragraphs}
    order: list[str | None] = [p.id for p in message.languages[0].paragraphs]
    order.append(None)
    order.extend(sorted(k for k in groups if k is not None and k not in texts))
    return [(pid, texts.get(pid or "", ""), groups[pid]) for pid in order if pid in groups]


class ModerationPages(PageController):
    path = "/drafting/{message_id:uuid}/comments"

    async def _page(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        message_id: UUID,
        filters: dict[str, str],
        errors: dict[str, dict[str, str]] | None = None,
        kept: dict[str, str] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        actor = _actor(request)
        service = MessageService(conn, clock, settings)
        message = await service.get(message_id, actor=actor)
        await service.for_drafting(message_id, actor=actor, expected_version=None)
        comments = await all_comments(CommentService(conn, clock, settings), message_id, actor)
        kept_comments = shown(comments, filters["state"], filters["group"], filters["language"])
        language = request_language(request)
        choose = gettext(language, N_("All"))
        return render(
            request,
            "messages/drafting/moderation.html",
            {
                "message": message,
                "groups": by_paragraph(message, kept_comments),
                "total": len(comments),
                "count": len(kept_comments),
                "filters": filters,
                "state_options": [("", choose), *((k, gettext(language, v)) for k, v in STATES.items())],
                "group_options": [
                    ("", choose),
                    *(
                        (g.value, gettext(language, STAKEHOLDER_GROUP_NAMES[g.value]))
                        for g in StakeholderGroup
                    ),
                ],
                "language_options": [("", choose), *((code, LANGUAGES[code].name) for code in LANGUAGES)],
                "stakeholder_names": STAKEHOLDER_GROUP_NAMES,
                "outcome_names": OUTCOME_NAMES,
                "markdown": markdown,
                "csrf_token": await context_of(request.scope).csrf_token(conn),
                "errors": errors or {},
                "kept": kept or {},
                "notice": notice,
                "query": urlencode({k: v for k, v in filters.items() if v}),
            },
            status_code=status_code,
        )

    @get("/", name="drafting:comments", guards=[requires_authenticated])
    async def comments(
        self,
        message_id: UUID,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        in_state: Annotated[str, QueryParameter(name="state", max_length=20)] = "",
        group: Annotated[str, Parameter(max_length=40)] = "",
        language: Annotated[str, Parameter(max_length=35)] = "",
        done: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> Template:
        """Every comment on the Message by paragraph, filtered by state (waiting for a disposition, with one,
        hidden), stakeholder group and language, each with the form that hides it."""
        filters = clean(in_state, group, language)
        return await self._page(request, db, clock, settings, message_id, filters, notice=done)

    @post(
        "/{comment_id:uuid}/hide",
        name="drafting:hide-comment",
        status_code=200,
        guards=[requires_authenticated],
    )
    async def hide(
        self,
        message_id: UUID,
        comment_id: UUID,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
    ) -> Response[Any]:
        """Hide the comment with its public reason, through ``CommentService.hide`` (the API's
        ``HideMessageComment``), with the comment's version the page was read at."""
        raw = await request.form()
        language = request_language(request)
        reason = str(raw.get("reason") or "").strip()
        expected = str(raw.get("expected_version") or "").strip()
        filters = clean(*(str(raw.get(name) or "") for name in ("state", "group", "language")))
        error = None
        if not expected.isdigit():
            error = gettext(language, STALE_COMMENT)
        else:
            try:
                data = msgspec.convert({"reason": reason}, CommentHide)
            except msgspec.ValidationError:
                error = gettext(language, GIVE_REASON)
            else:
                try:
                    async with tx.transaction():
                        await CommentService(tx, clock, settings).hide(
                            message_id,
                            comment_id,
                            data,
                            actor=_actor(request),
                            expected_version=int(expected),
                        )
                except CommentAlreadyHidden:
                    error = gettext(language, ALREADY_HIDDEN)
                except PreconditionFailed:
                    error = gettext(language, STALE_COMMENT)
                except DomainError as exc:
                    if exc.status in (401, 403, 404):
                        raise
                    error = exc.detail
        if error is None:
            query = urlencode({**{k: v for k, v in filters.items() if v}, "done": gettext(language, HIDDEN)})
            target = (
                i18n.path_in(language, f"/drafting/{message_id}/comments") + f"?{query}#comment-{comment_id}"
            )
            return Redirect(target, status_code=303)
        errors = {str(comment_id): {"reason": error}}
        kept = {str(comment_id): reason}
        return await self._page(
            request, tx, clock, settings, message_id, filters, errors=errors, kept=kept, status_code=422
        )
