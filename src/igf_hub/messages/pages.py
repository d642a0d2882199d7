"""The Messages' web pages (the archive, a Message's reading view, its versions and their differences), and what
Messages add to the home page.

Pages are thin like controllers: they call the Message services on the request's connection with the reader as
the actor, so a page shows exactly what the API would (a draft is 404 to the public), and render
``templates/messages/``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
from litestar import Response, get, post
from litestar.params import Parameter, QueryParameter
from litestar.response import Redirect, Template
from markdown_it import MarkdownIt

from igf_hub.auth.principal import ANONYMOUS, AnyRequest, Principal, Role
from igf_hub.core import countries, wiring
from igf_hub.core.clock import Clock
from igf_hub.core.ratelimit import rate_limit
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import GDC_OBJECTIVES, SDGS, WSIS_ACTION_LINES, StakeholderGroup
from igf_hub.messages.ballot_schemas import Ballot, BallotStatus
from igf_hub.messages.ballot_service import BallotService
from igf_hub.messages.comment_repository import CommentFilters
from igf_hub.messages.comment_schemas import Comment, CommentCreate
from igf_hub.messages.comment_service import CommentService
from igf_hub.messages.errors import BallotNotFound, CommentPeriodClosed, InvalidContent
from igf_hub.messages.repository import MessageFilters
from igf_hub.messages.schemas import HistoryEntry, LanguageText, Message
from igf_hub.messages.service import MessageService
from igf_hub.messages.states import MessageState
from igf_hub.people import follows
from igf_hub.web import i18n
from igf_hub.web.atom import AtomEntry, AtomFeed, atom_response, entry_id, feed_id, feed_urls
from igf_hub.web.calendar import CalendarContext, Deadline, DeadlineList
from igf_hub.web.errors import PageController
from igf_hub.web.formatting import country_name, datetime_text
from igf_hub.web.home import HomeSection, SectionContext
from igf_hub.web.i18n import LANGUAGES, N_, gettext, request_language
from igf_hub.web.navigation import NavItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import STAKEHOLDER_GROUP_NAMES

# CommonMark without raw HTML: whatever a drafter types is escaped, and unsafe link schemes are refused.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
PAGE_SIZE = 20
COMMENTS_PAGE = 100

STATE_NAMES = {
    MessageState.draft: N_("Draft"),
    MessageState.public_comment: N_("Open for comment"),
    MessageState.synthesis: N_("Comments being taken in"),
    MessageState.mag_review: N_("In MAG review"),
    MessageState.approved: N_("Approved"),
    MessageState.published: N_("Published"),
    MessageState.superseded: N_("Superseded"),
    MessageState.withdrawn: N_("Withdrawn"),
}
# Who acted, as the public history says it (messages/actors.py): roles, never people.
ROLE_NAMES = {
    "IGF Secretariat": N_("IGF Secretariat"),
    "MAG Chair": N_("MAG Chair"),
    "MAG member": N_("MAG member"),
    "Drafter": N_("Drafter"),
    "IGF Hub (automatic)": N_("IGF Hub (automatic)"),
    "IGF Hub": N_("IGF Hub"),
}
OUTCOME_NAMES = {
    "accepted": N_("Accepted"),
    "partially_accepted": N_("Partly accepted"),
    "not_accepted": N_("Not accepted"),
    "out_of_scope": N_("Out of scope"),
    "duplicate": N_("Duplicate of another comment"),
}
PROVENANCE_NAMES = {
    "session_report": N_("Session report"),
    "track_output": N_("Intersessional output"),
    "nri_report": N_("NRI report"),
    "message_comment": N_("Public comment"),
    "message": N_("IGF Message"),
}
_WSIS = {t.code: t.label for t in WSIS_ACTION_LINES.terms}
_SDG = {int(t.code): t.label for t in SDGS.terms}
_GDC = {int(t.code): t.label for t in GDC_OBJECTIVES.terms}

Cursor = Annotated[str | None, Parameter(max_length=500)]


@functools.lru_cache(maxsize=1024)  # a Message's paragraphs are rendered on every view: each once
def markdown(text: str) -> str:
    """HTML of a paragraph's Markdown; the template marks it safe, since markdown-it escapes (html=False)."""
    html: str = _MARKDOWN.render(text)
    return html


def _reader(request: AnyRequest) -> Principal:
    user: Principal | None = request.scope.get("user")
    return user or ANONYMOUS


def _service(db: asyncpg.Connection, clock: Clock, settings: Settings) -> MessageService:
    return MessageService(db, clock, settings)


def text_for(message: Message, wanted: str | None, language: str) -> LanguageText:
    """The text asked for (``?text=``), else the reader's language when there is a text in it, else the
    authoritative one (the first)."""
    by_language = {t.language: t for t in message.languages}
    return by_language.get(wanted or "") or by_language.get(language) or message.languages[0]


def classification(message: Message) -> list[dict[str, Any]]:
    """The three frames with their terms' names (core/vocab.py; the names are in English)."""
    c = message.classification
    return [
        {
            "title": N_("WSIS Action Lines"),
            "terms": [(code, _WSIS.get(code, "")) for code in c.wsis_action_lines],
        },
        {
            "title": N_("Sustainable Development Goals"),
            "terms": [(str(n), _SDG.get(n, "")) for n in c.sdgs],
        },
        {
            "title": N_("Global Digital Compact objectives"),
            "terms": [(str(n), _GDC.get(n, "")) for n in c.gdc_objectives],
        },
    ]


def history_rows(entries: list[HistoryEntry]) -> list[dict[str, Any]]:
    return [
        {
            "at": entry.at,
            "actor": ROLE_NAMES.get(entry.actor, entry.actor),
            "kind": entry.kind,
            "from_state": STATE_NAMES.get(MessageState(entry.from_state)) if entry.from_state else None,
            "to_state": STATE_NAMES.get(MessageState(entry.to_state)) if entry.to_state else None,
            "version_number": entry.version_number,
            # A reason a person gave (sending back, withdrawing); the others are the service's own notes.
            "reason": entry.reason if entry.kind == "transition" else None,
        }
        for entry in entries
    ]


async def all_comments(comments: CommentService, message_id: UUID, actor: Principal) -> list[Comment]:
    found: list[Comment] = []
    cursor: str | None = None
    while True:
        page = await comments.page(
            message_id, actor=actor, filters=CommentFilters(), mine=False, cursor=cursor, limit=COMMENTS_PAGE
        )
        found.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return found


COMMENT_FIELDS = ("paragraph", "body", "stakeholder_group", "country", "display_name", "language")


@functools.lru_cache(maxsize=4096)  # once per paragraph, not per comment of it
def signin_url(path: str, paragraph: str | None) -> str:
    """Sign in, then come back to the comment form (of the same paragraph)."""
    back = path if path.endswith("/comment") else f"{path}/comment"
    if paragraph:
        back += "?" + urlencode({"paragraph": paragraph})
    return "/signin?" + urlencode({"next": back})


def comment_errors(form: dict[str, str], message: Message, language: str) -> dict[str, str]:
    """Each problem with the form, in the reader's language, in the order of the form's fields."""
    errors: dict[str, str] = {}
    paragraphs = {p.id for p in message.languages[0].paragraphs}
    if form["paragraph"] and form["paragraph"] not in paragraphs:
        errors["paragraph"] = gettext(
            language, N_("Choose a paragraph of this Message, or the whole Message.")
        )
    body = form["body"]
    if not body:
        errors["body"] = gettext(language, N_("Write your comment."))
    elif len(body) < 3:
        errors["body"] = gettext(language, N_("Your comment is too short: write at least 3 characters."))
    elif len(body) > 10_000:
        errors["body"] = gettext(language, N_("Your comment is too long: keep it under 10,000 characters."))
    if form["stakeholder_group"] not in set(StakeholderGroup):
        errors["stakeholder_group"] = gettext(language, N_("Choose the stakeholder group you belong to."))
    if not countries.is_known(form["country"]):
        errors["country"] = gettext(language, N_("Choose your country or territory."))
    if len(form["display_name"]) > 200:
        errors["display_name"] = gettext(language, N_("Your name is too long: keep it under 200 characters."))
    return errors


def comment_context(
    message: Message, language: str, form: dict[str, str], errors: dict[str, str], token: str
) -> dict[str, Any]:
    shown = text_for(message, None, language)
    window = message.comment_round
    closed_note = None
    if window is None or not window.is_open or message.state is not MessageState.public_comment:
        closed_note = gettext(language, N_("This Message is not open for comment."))
        if window is not None:
            closed_note += " " + gettext(language, N_("Comments closed on %(date)s.")) % {
                "date": datetime_text(window.closed_at or window.closes_at, language)
            }
    paragraph_label = gettext(language, N_("Paragraph %(number)s"))
    choose = gettext(language, N_("Choose one"))
    countries_named = [(code, country_name(code, language)) for code in countries.COUNTRIES]
    return {
        "message": message,
        "text": shown,
        "form": form,
        "errors": errors,
        "csrf_token": token,
        "closed_note": closed_note,
        "paragraph_options": [("", gettext(language, N_("The whole Message")))]
        + [(p.id, f"{paragraph_label % {'number': p.id[1:]}}: {excerpt(p.text)}") for p in shown.paragraphs],
        "group_options": [
            ("", choose),
            *((g.value, gettext(language, STAKEHOLDER_GROUP_NAMES[g.value])) for g in StakeholderGroup),
        ],
        "country_options": [("", choose), *sorted(countries_named, key=lambda c: c[1])],
        "language_options": [(code, i18n.LANGUAGES[code].name) for code in i18n.LANGUAGES],
    }


DELIVERED_EVENTS = ("message.approved", "message.published")


async def un_deliveries(db: asyncpg.Connection, message: Message) -> list[dict[str, Any]]:
    """Once approved: how its approval and publication reached UNGIS and the CSTD (core/wiring's delivery
    status, declared by the webhooks domain), one row per consumer."""
    if message.approved_at is None:
        return []
    rows: dict[str, dict[str, Any]] = {}
    for d in await wiring.deliveries(db, DELIVERED_EVENTS, str(message.id)):
        row = rows.setdefault(d.consumer, {"consumer": d.consumer, "kind": d.kind})
        row["approved" if d.event_type == "message.approved" else "published"] = d.delivered_at
    return list(rows.values())


def excerpt(text: str, length: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


class MessagePages(PageController):
    path = "/messages"

    @get("/", name="messages:archive")
    async def archive(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        year: Annotated[int | None, Parameter(ge=1900, le=2999)] = None,
        theme: Annotated[str | None, Parameter(max_length=200)] = None,
        in_state: Annotated[MessageState | None, QueryParameter(name="state")] = None,
        cursor: Cursor = None,
    ) -> Template:
        """Every Message the reader may read, newest first, by year, theme and state."""
        service = _service(db, clock, settings)
        actor = _reader(request)
        filters = MessageFilters(year=year, theme=theme or None, state=in_state)
        page = await service.page(filters, actor=actor, cursor=cursor, limit=PAGE_SIZE)
        years, themes = await service.facets(actor=actor)
        # Filtered by a theme (else a year), the archive offers to follow that theme (or year).
        follow = None
        if theme and 2 <= len(theme.strip()) <= 200:
            follow = await follows.button(request, db, follows.THEME, theme, theme.strip())
        elif year:
            follow = await follows.button(request, db, follows.MESSAGES_OF_YEAR, str(year), str(year))
        query = {"year": year, "theme": theme or None, "state": in_state}
        kept = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
        next_url = None
        if page.next_cursor:
            next_url = f"?{kept}&cursor={page.next_cursor}" if kept else f"?cursor={page.next_cursor}"
        return render(
            request,
            "messages/archive.html",
            {
                "messages": page.items,
                "next_url": next_url,
                "years": years,
                "themes": themes,
                "states": [(s.value, STATE_NAMES[s]) for s in MessageState if s is not MessageState.draft],
                "chosen": {"year": str(year or ""), "theme": theme or "", "state": in_state or ""},
                "state_names": STATE_NAMES,
                "follow": follow,
            },
        )

    @get("/{message_id:uuid}", name="messages:read")
    async def read(
        self,
        message_id: UUID,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        text: Annotated[str | None, Parameter(max_length=35)] = None,
        commented: bool = False,
    ) -> Template:
        """A Message in the reader's language when there is a text in it (``?text=`` picks another), with its
        paragraphs' anchors and comments, classification, provenance and public history."""
        service = _service(db, clock, settings)
        actor = _reader(request)
        message = await service.get(
            message_id, actor=actor
        )  # the API's visibility: 404 unless public or a drafter
        shown = text_for(message, text, request_language(request))
        comments = await all_comments(CommentService(db, clock, settings), message_id, actor)
        available = {t.language for t in message.languages}
        by_paragraph: dict[str | None, list[Comment]] = {}
        for comment in comments:
            by_paragraph.setdefault(comment.paragraph_id, []).append(comment)
        window = message.comment_round
        signed_in = actor.user_id is not None
        form_path = i18n.path_in(request_language(request), f"{request.url.path}/comment")

        def comment_url(paragraph: str | None) -> str:
            if not signed_in:
                return signin_url(form_path, paragraph)
            return form_path + (f"?{urlencode({'paragraph': paragraph})}" if paragraph else "")

        return render(
            request,
            "messages/read.html",
            {
                "message": message,
                "text": shown,
                "source": message.languages[0],
                "available": available,
                "text_dir": LANGUAGES[shown.language].direction if shown.language in LANGUAGES else "auto",
                "paragraphs": [(p.id, markdown(p.text)) for p in shown.paragraphs],
                "comments": by_paragraph,
                "comment_count": len(comments),
                "comment_open": message.state is MessageState.public_comment
                and window is not None
                and window.is_open,
                "signed_in": signed_in,
                "comment_url": comment_url,
                "commented": commented,
                "classification": classification(message),
                "history": history_rows(await service.history(message_id, actor=actor)),
                "state_names": STATE_NAMES,
                "outcome_names": OUTCOME_NAMES,
                "stakeholder_names": STAKEHOLDER_GROUP_NAMES,
                "provenance_names": PROVENANCE_NAMES,
                "follow": await follows.button(request, db, follows.MESSAGE, str(message.id), message.title),
                "deliveries": await un_deliveries(db, message),
                "ballot_link": message.state
                in (MessageState.mag_review, MessageState.approved, MessageState.published),
            },
        )

    @get("/{message_id:uuid}/versions", name="messages:versions")
    async def versions(
        self,
        message_id: UUID,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        cursor: Cursor = None,
    ) -> Template:
        """Every saved version of the Message, oldest first, each with a link to what changed since the
        previous version in its language."""
        service = _service(db, clock, settings)
        actor = _reader(request)
        message = await service.get(message_id, actor=actor)
        page = await service.versions(message_id, actor=actor, language=None, cursor=cursor, limit=100)
        rows = []
        previous: dict[str, int] = {}
        for version in page.items:
            rows.append((version, previous.get(version.language)))
            previous[version.language] = version.number
        return render(
            request,
            "messages/versions.html",
            {
                "message": message,
                "versions": rows,
                "next_url": f"?cursor={page.next_cursor}" if page.next_cursor else None,
            },
        )

    @get("/{message_id:uuid}/diff", name="messages:diff")
    async def diff(
        self,
        message_id: UUID,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        from_version: Annotated[int, QueryParameter(name="from", ge=1, le=2**31 - 1)],
        to_version: Annotated[int, QueryParameter(name="to", ge=1, le=2**31 - 1)],
    ) -> Template:
        """What changed between two versions of one language, paragraph by paragraph and word by word."""
        service = _service(db, clock, settings)
        actor = _reader(request)
        message = await service.get(message_id, actor=actor)
        changes = await service.diff(message_id, from_version, to_version, actor=actor)
        return render(request, "messages/diff.html", {"message": message, "diff": changes})

    @get("/{message_id:uuid}/comment", name="messages:comment-form")
    async def comment_form(
        self,
        message_id: UUID,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        paragraph: Annotated[str | None, Parameter(max_length=20)] = None,
    ) -> Response[Any]:
        """The form to comment on a paragraph (or the whole Message) while its comment window is open; a
        reader who is not signed in is sent to sign in first, and comes back here."""
        actor = _reader(request)
        if actor.user_id is None:
            here = i18n.path_in(request_language(request), request.url.path)
            return Redirect(signin_url(here, paragraph), status_code=303)
        message = await _service(db, clock, settings).get(message_id, actor=actor)
        language = request_language(request)
        form = {"paragraph": paragraph or "", "language": language}
        token = await context_of(request.scope).csrf_token(db)
        return render(request, "messages/comment.html", comment_context(message, language, form, {}, token))

    @post(
        "/{message_id:uuid}/comment",
        name="messages:comment",
        status_code=303,
        guards=[rate_limit("message-comments", 30, 3600)],  # the API's allowance, shared with it
    )
    async def comment(
        self,
        message_id: UUID,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
    ) -> Response[Any]:
        """A comment from the form, through the API's own service: signed in, within the window, on a
        paragraph of the text under comment. Problems come back on the form, the input kept."""
        actor = _reader(request)
        raw = await request.form()
        form = {name: str(raw.get(name) or "").strip() for name in COMMENT_FIELDS}
        if actor.user_id is None:
            here = i18n.path_in(request_language(request), request.url.path)
            return Redirect(signin_url(here, form["paragraph"] or None), status_code=303)
        language = request_language(request)
        message = await _service(tx, clock, settings).get(message_id, actor=actor)
        errors = comment_errors(form, message, language)
        token = await context_of(request.scope).csrf_token(tx)
        if not errors:
            data = CommentCreate(
                body=form["body"],
                stakeholder_group=StakeholderGroup(form["stakeholder_group"]),
                country=form["country"].upper(),
                paragraph_id=form["paragraph"] or None,
                language=form["language"] if form["language"] in LANGUAGES else language,
                display_name=form["display_name"] or None,
            )
            try:
                comment = await CommentService(tx, clock, settings).post(message_id, data, actor=actor)
            except CommentPeriodClosed:
                context = comment_context(message, language, form, {}, token)
                return render(request, "messages/comment.html", context, status_code=409)
            except InvalidContent as exc:  # what the form's own checks did not foresee
                for error in exc.errors:
                    field = error.pointer.strip("/").replace("paragraph_id", "paragraph") or "body"
                    errors[field if field in COMMENT_FIELDS else "body"] = error.detail
            else:
                read = i18n.path_in(language, request.url.path.removesuffix("/comment"))
                target = f"{read}?commented=1#comment-{comment.id}"
                return Redirect(target, status_code=303)
        context = comment_context(message, language, form, errors, token)
        return render(request, "messages/comment.html", context, status_code=422)


# -- the Atom feed -----------------------------------------------------------------------------------------

FEED_SIZE = 50  # entries per state looked at; the feed keeps the most recently changed of them
FEED_STATES = (MessageState.public_comment, MessageState.approved, MessageState.published)
FEED_PATH = "/feeds/messages.atom"


def feed_summary(message: Message, shown: LanguageText, language: str) -> str:
    """What a feed reader shows under the title: the state (with the comment deadline while open), and the
    Message's opening words, in the reader's language where there is a text in it."""
    state = gettext(language, STATE_NAMES[message.state])
    window = message.comment_round
    if message.state is MessageState.public_comment and window is not None:
        state += ". " + gettext(language, N_("Comments are welcome until %(date)s.")) % {
            "date": datetime_text(window.closes_at, language)
        }
    parts = [state + "."] if not state.endswith(".") else [state]
    if shown.machine_translation:
        parts.append(gettext(language, N_("This text is a machine translation.")))
    if shown.paragraphs:
        parts.append(excerpt(shown.paragraphs[0].text, 300))
    return " ".join(parts)


async def feed_messages(service: MessageService) -> list[Message]:
    """The public Messages of the feed, most recently changed first: as the anonymous reader sees them, so a
    draft never appears."""
    found: list[Message] = []
    for state in FEED_STATES:
        page = await service.page(MessageFilters(state=state), actor=ANONYMOUS, cursor=None, limit=FEED_SIZE)
        found += [await service.get(item.id, actor=ANONYMOUS) for item in page.items]
    found.sort(key=lambda m: (m.updated_at, m.id), reverse=True)
    return found[:FEED_SIZE]


class MessageFeeds(PageController):
    path = "/feeds"

    @get("/messages.atom", name="messages:feed")
    async def feed(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[bytes]:
        """Messages opened for public comment, approved and published, as an Atom feed in the reader's
        language (``/fr/feeds/messages.atom``); each entry's id is its Message's and never changes."""
        language = request_language(request)
        base = settings.base_url.rstrip("/")
        entries = []
        for message in await feed_messages(_service(db, clock, settings)):
            shown = text_for(message, None, language)
            entries.append(
                AtomEntry(
                    id=entry_id(message.id),
                    title=shown.title,
                    updated=message.updated_at,
                    published=message.published_at or message.approved_at,
                    link=base + i18n.path_in(language, f"/messages/{message.id}"),
                    summary=feed_summary(message, shown, language),
                    language=shown.language if shown.language != language else None,
                    categories=[message.theme, str(message.year)],
                )
            )
        self_url, page_url = feed_urls(request, language, "/messages")
        return atom_response(
            request,
            AtomFeed(
                id=feed_id("messages", language),
                title=gettext(language, N_("IGF Messages")),
                subtitle=gettext(
                    language, N_("IGF Messages open for public comment, approved and published.")
                ),
                self_url=self_url,
                alternate_url=page_url,
                language=language,
                entries=entries,
            ),
        )


# -- the deadline calendars (web/calendar.py) ------------------------------------------------------------

CALENDAR_SIZE = 100  # Messages per state looked at: a year has a few dozen


async def _in_state(service: MessageService, state: MessageState) -> list[Message]:
    page = await service.page(MessageFilters(state=state), actor=ANONYMOUS, cursor=None, limit=CALENDAR_SIZE)
    return [await service.get(item.id, actor=ANONYMOUS) for item in page.items]


def _window_deadline(context: CalendarContext, message: Message) -> Deadline | None:
    window = message.comment_round
    if message.state is not MessageState.public_comment or window is None or not window.is_open:
        return None
    shown = text_for(message, None, context.language)
    return Deadline(
        # One event per comment round: a later round is a new deadline, a moved one the same event.
        kind=f"message-comment-window-{window.number}",
        record_id=message.id,
        summary=gettext(context.language, N_("Public comment closes: %(title)s")) % {"title": shown.title},
        at=window.closes_at,
        url=context.url(f"/messages/{message.id}"),
        last_modified=message.updated_at,
        sequence=message.version,
    )


async def comment_window_deadlines(context: CalendarContext) -> list[Deadline]:
    """When each Message open for public comment stops taking comments."""
    service = _service(context.conn, context.clock, context.settings)
    found = [_window_deadline(context, m) for m in await _in_state(service, MessageState.public_comment)]
    return [deadline for deadline in found if deadline is not None]


async def _open_ballots(context: CalendarContext) -> list[tuple[Message, Ballot]]:
    service = _service(context.conn, context.clock, context.settings)
    ballots = BallotService(context.conn, context.clock, context.settings)
    found = []
    for message in await _in_state(service, MessageState.mag_review):
        try:
            ballot = await ballots.current(message.id, actor=ANONYMOUS)
        except BallotNotFound:
            continue
        if ballot.status is BallotStatus.open:
            found.append((message, ballot))
    return found


def _ballot_deadline(context: CalendarContext, message: Message, ballot: Ballot) -> Deadline:
    shown = text_for(message, None, context.language)
    return Deadline(
        kind="message-ballot",
        record_id=ballot.id,
        summary=gettext(context.language, N_("MAG ballot closes: %(title)s")) % {"title": shown.title},
        at=ballot.closes_at,
        url=context.url(f"/messages/{message.id}"),
        last_modified=max(ballot.opened_at, message.updated_at),
        sequence=message.version,
    )


async def ballot_deadlines(context: CalendarContext) -> list[Deadline]:
    """When each open MAG ballot on a Message closes (a public fact; who voted how is not here)."""
    return [_ballot_deadline(context, m, b) for m, b in await _open_ballots(context)]


async def my_ballot_deadlines(context: CalendarContext, person: Principal) -> list[Deadline]:
    """The open ballots the person may take a position in."""
    return [
        _ballot_deadline(context, m, b)
        for m, b in await _open_ballots(context)
        if any(member.member_id == person.user_id for member in b.members)
    ]


async def my_comment_window_deadlines(context: CalendarContext, person: Principal) -> list[Deadline]:
    """Comment windows concern the Secretariat, the MAG, the Messages' drafters (whose Messages they are) and
    the people who follow the Message, its theme or its year (people/follows.py)."""
    everyone = await comment_window_deadlines(context)
    if person.has_role(Role.secretariat, Role.mag_member):
        return everyone
    service = _service(context.conn, context.clock, context.settings)
    followed = await follows.subjects_of(context.conn, person.user_id) if person.user_id else set()
    mine = []
    for deadline in everyone:
        row = await service.repo.get(UUID(str(deadline.record_id)))
        if row is None:
            continue
        about = {
            (follows.MESSAGE, str(row.id)),
            (follows.THEME, row.theme.strip()),
            (follows.MESSAGES_OF_YEAR, str(row.year)),
        }
        if about & followed or await service.can_draft(row, actor=person):
            mine.append(deadline)
    return mine


CALENDARS = [
    DeadlineList(
        key="comment-windows",
        title=N_("Public comment deadlines of IGF Messages"),
        load=comment_window_deadlines,
        personal=my_comment_window_deadlines,
        order=10,
    ),
    DeadlineList(
        key="ballots",
        title=N_("MAG ballots on IGF Messages"),
        load=ballot_deadlines,
        personal=my_ballot_deadlines,
        order=20,
    ),
]


# -- the home page ---------------------------------------------------------------------------------------


async def load_open(context: SectionContext) -> Mapping[str, Any]:
    """Messages open for public comment now, with the day their window closes."""
    service = _service(context.conn, context.clock, context.settings)
    page = await service.page(
        MessageFilters(state=MessageState.public_comment), actor=context.actor, cursor=None, limit=10
    )
    found = [await service.get(item.id, actor=context.actor) for item in page.items]
    open_now = [
        (m, m.comment_round) for m in found if m.comment_round is not None and m.comment_round.is_open
    ]
    open_now.sort(key=lambda pair: pair[1].closes_at)
    return {"items": [{"message": m, "text": text_for(m, None, context.language)} for m, _ in open_now]}


async def load_latest(context: SectionContext) -> Mapping[str, Any]:
    """The latest approved and published Messages, newest first."""
    service = _service(context.conn, context.clock, context.settings)
    found: list[Message] = []
    for state in (MessageState.approved, MessageState.published):
        page = await service.page(MessageFilters(state=state), actor=context.actor, cursor=None, limit=5)
        found.extend([await service.get(item.id, actor=context.actor) for item in page.items])
    found.sort(key=lambda m: m.published_at or m.approved_at or m.updated_at, reverse=True)
    items = [{"message": m, "text": text_for(m, None, context.language)} for m in found[:5]]
    return {"items": items, "state_names": STATE_NAMES}


HOME_SECTIONS = [
    HomeSection(
        key="messages-open",
        title=N_("Messages open for public comment"),
        template="messages/home_open.html",
        load=load_open,
        order=10,
    ),
    HomeSection(
        key="messages-latest",
        title=N_("Latest approved Messages"),
        template="messages/home_latest.html",
        load=load_latest,
        order=20,
    ),
]


# The main navigation's entries for this domain (app.py collects them).
NAVIGATION = [NavItem(path="/messages", label=N_("IGF Messages"), order=10)]
