"""The drafters' workspace: session reports (import with a preview, browse by theme), the draft editor (Markdown
with a preview, classification, provenance, versions), translations side by side, and opening the public comment
window.

The rule of the workspaces: every handler calls the service the API calls, with the same guards, and shows a
refusal as a sentence in the form, the person's input kept. Nothing here adds a rule: the comment window's
minimum, the states a text may be saved in, who drafts which Message, all stay in the services. Writes of one
form happen in one savepoint, so a refusal of the second leaves nothing of the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
import msgspec
from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter
from litestar.response import Redirect, Template

from igf_hub.auth.guards import requires_authenticated, requires_secretariat
from igf_hub.auth.principal import AnyRequest, Principal, Role
from igf_hub.auth.service import IdentityService
from igf_hub.core import references, search
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError, FieldError, IllegalTransition, PreconditionFailed
from igf_hub.core.schemas import Classification
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import GDC_OBJECTIVES, SDGS, WSIS_ACTION_LINES
from igf_hub.messages.errors import InvalidContent, WrongStateForAction
from igf_hub.messages.lifecycle_service import MessageLifecycle
from igf_hub.messages.pages import PROVENANCE_NAMES, STATE_NAMES, markdown
from igf_hub.messages.report_import import MalformedImport, parse_csv, parse_json
from igf_hub.messages.report_repository import ReportFilters
from igf_hub.messages.report_schemas import SessionReportCreate
from igf_hub.messages.report_service import SessionReportService
from igf_hub.messages.repository import MessageFilters
from igf_hub.messages.schemas import (
    Message,
    MessageCreate,
    MessagePatch,
    OpenPublicComment,
    ProvenanceIn,
    VersionCreate,
)
from igf_hub.messages.service import MessageService
from igf_hub.messages.states import MessageState
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import LANGUAGES, N_, gettext, request_language
from igf_hub.web.navigation import WorkItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render

TEMPLATES = "messages/drafting/"
PAGE_SIZE = 30
MAX_IMPORT = 5_000_000  # bytes of an uploaded or pasted import (the API's body limit is the same order)
SOURCES_SHOWN = 10  # search results per kind of source
CITABLE = ("session_report", "track_output", "nri_report")

_WSIS = [(t.code, t.label) for t in WSIS_ACTION_LINES.terms]
_SDG = [(t.code, t.label) for t in SDGS.terms]
_GDC = [(t.code, t.label) for t in GDC_OBJECTIVES.terms]

# "My work" (web/workspace.py): drafting is the Secretariat's; a named drafter is bound to one Message (not a
# role), so "Messages you draft" is offered to everyone signed in and lists those.
WORKSPACE = [
    WorkItem(
        path="/drafting",
        label=N_("Drafting IGF Messages"),
        roles=frozenset({Role.secretariat}),
        description=N_("Session reports, drafts, translations and the public comment window."),
        order=20,
    ),
    WorkItem(
        path="/drafting/mine",
        label=N_("Messages you draft"),
        description=N_("The IGF Messages you are named to draft."),
        order=22,
    ),
    WorkItem(
        path="/drafting/reports/import",
        label=N_("Import session reports"),
        roles=frozenset({Role.secretariat}),
        description=N_("Upload CSV or JSON, check it, then import."),
        order=21,
    ),
]

# Refusals the services raise, said in the reader's language (the services' own details are English).
STALE = N_(
    "Someone saved a change to this Message since you opened it. Your text is kept below: check the "
    "current version, then save again."
)
WRONG_STATE = N_("This cannot be done while the Message is “%(state)s”.")
NOTHING_CHANGED = N_("Nothing has changed since the last saved version, so there is nothing to save.")
SAVED = N_("Saved as version %(number)s.")
CHANGED = N_("Saved the theme, classification and sources.")


def _actor(request: AnyRequest) -> Principal:
    user: Principal = request.user
    return user


def field_of(pointer: str, known: Mapping[str, str]) -> str:
    """The form field a service's JSON pointer names (``/provenance/2/id`` -> ``sources``)."""
    head = pointer.strip("/").split("/")[0] if pointer else ""
    return known.get(head, known.get("", "body"))


def refusal_errors(exc: DomainError, language: str, known: Mapping[str, str]) -> dict[str, str]:
    """A service's refusal as the form's errors: field -> sentence."""
    if isinstance(exc, PreconditionFailed):
        return {"expected_version": gettext(language, STALE)}
    if isinstance(exc, WrongStateForAction | IllegalTransition):
        state = str((exc.extra or {}).get("current_state") or (exc.extra or {}).get("current") or "")
        named = next((gettext(language, v) for k, v in STATE_NAMES.items() if k.value == state), state)
        return {"state": gettext(language, WRONG_STATE) % {"state": named}}
    errors: dict[str, str] = {}
    for error in getattr(exc, "errors", None) or [FieldError("", exc.detail)]:
        name = field_of(error.pointer, known)
        if name not in errors:
            errors[name] = error.detail
        else:
            errors[name] += " " + error.detail
    return errors


# -- forms ----------------------------------------------------------------------------------------------


def _ints(values: list[str], allowed: set[str]) -> list[int]:
    return sorted({int(v) for v in values if v in allowed})


@dataclass
class DraftForm:
    """What the editor holds: the Message's metadata and its text in the source language."""

    year: str = ""
    theme: str = ""
    sub_theme: str = ""
    language: str = "en"
    title: str = ""
    body: str = ""
    action_lines: list[str] = field(default_factory=list)
    sdgs: list[int] = field(default_factory=list)
    gdc: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # "kind:uuid"
    q: str = ""
    expected_version: str = ""
    drafters: str = ""  # e-mail addresses, one a line (the Secretariat names them)

    @classmethod
    def of(cls, message: Message) -> DraftForm:
        source = message.languages[0]
        c = message.classification
        return cls(
            year=str(message.year),
            theme=message.theme,
            sub_theme=message.sub_theme or "",
            language=message.source_language,
            title=source.title,
            body="\n\n".join(p.text for p in source.paragraphs),
            action_lines=list(c.wsis_action_lines),
            sdgs=list(c.sdgs),
            gdc=list(c.gdc_objectives),
            sources=[f"{p.kind}:{p.id}" for p in message.provenance],
            expected_version=str(message.version),
        )

    @classmethod
    def parse(cls, raw: Any) -> DraftForm:
        def text(name: str) -> str:
            return str(raw.get(name) or "").strip()

        sources = [str(v) for v in raw.getall("source", [])]
        kind, cited = text("cite_kind"), text("cite_id")
        if kind and cited:
            sources.append(f"{kind}:{cited}")
        return cls(
            year=text("year"),
            theme=text("theme"),
            sub_theme=text("sub_theme"),
            language=text("language") or "en",
            title=text("title"),
            body=str(raw.get("body") or "").replace("\r\n", "\n"),
            action_lines=[c for c, _ in _WSIS if c in set(raw.getall("action_line", []))],
            sdgs=_ints(raw.getall("sdg", []), {c for c, _ in _SDG}),
            gdc=_ints(raw.getall("gdc", []), {c for c, _ in _GDC}),
            sources=list(dict.fromkeys(s for s in sources if s)),
            q=text("q"),
            expected_version=text("expected_version"),
            drafters=str(raw.get("drafters") or "").strip(),
        )

    def classification(self) -> Classification:
        return Classification(wsis_action_lines=self.action_lines, sdgs=self.sdgs, gdc_objectives=self.gdc)

    def provenance(
        self, kept: list[ProvenanceIn], errors: dict[str, str], language: str
    ) -> list[ProvenanceIn]:
        """The cited sources: the entries already cited keep their paragraphs and note; new ones cite the whole
        Message. A source that is not ``kind:id`` is an error of the form."""
        by_key = {f"{p.kind}:{p.id}": p for p in kept}
        entries = []
        for value in self.sources:
            if value in by_key:
                entries.append(by_key[value])
                continue
            kind, _, given = value.partition(":")
            try:
                entries.append(ProvenanceIn(kind=kind, id=UUID(given.strip().rsplit("/", 1)[-1])))
            except (ValueError, msgspec.ValidationError):
                errors["sources"] = gettext(language, N_("A source is named by its kind and its identifier."))
        return entries


def addresses(text: str) -> list[str]:
    return [a.strip() for a in text.replace(",", "\n").splitlines() if a.strip()]


async def drafter_ids(
    conn: asyncpg.Connection,
    clock: Clock,
    settings: Settings,
    text: str,
    errors: dict[str, str],
    language: str,
) -> list[UUID]:
    """The accounts of the addresses given (the service then checks them as the API does)."""
    identity = IdentityService(conn, clock, settings)
    found = []
    for address in addresses(text):
        user = await identity.find_user_by_email(address)
        if user is None:
            errors["drafters"] = gettext(language, N_("No account has the address %(email)s.")) % {
                "email": address
            }
        else:
            found.append(user.id)
    return found


async def drafter_addresses(
    conn: asyncpg.Connection, clock: Clock, settings: Settings, ids: list[UUID]
) -> str:
    identity = IdentityService(conn, clock, settings)
    return "\n".join([(await identity.get_user(user_id)).email for user_id in ids])


def classification_options(chosen: DraftForm) -> list[dict[str, Any]]:
    """The three frames as checkbox groups (core/vocab.py; the terms' names are in English)."""
    return [
        {
            "name": "action_line",
            "legend": N_("WSIS Action Lines"),
            "terms": [(code, f"{code} {label}", code in chosen.action_lines) for code, label in _WSIS],
        },
        {
            "name": "sdg",
            "legend": N_("Sustainable Development Goals"),
            "terms": [(code, f"SDG {code}: {label}", int(code) in chosen.sdgs) for code, label in _SDG],
        },
        {
            "name": "gdc",
            "legend": N_("Global Digital Compact objectives"),
            "terms": [(code, f"{code}. {label}", int(code) in chosen.gdc) for code, label in _GDC],
        },
    ]


# -- sources for provenance ------------------------------------------------------------------------------


async def find_sources(
    conn: asyncpg.Connection, clock: Clock, settings: Settings, q: str
) -> list[dict[str, Any]]:
    """Session reports and intersessional outputs matching ``q``; an NRI report (not in the search index) is
    cited by its identifier."""
    q = q.strip()
    if len(q) < 2:
        return []
    found: list[dict[str, Any]] = []
    reports = SessionReportService(conn, clock, settings)
    page = await reports.page(ReportFilters(q=q[:200]), cursor=None, limit=SOURCES_SHOWN)
    for item in page.items:
        found.append(
            {
                "key": f"session_report:{item.id}",
                "kind": "session_report",
                "title": f"IGF {item.year} {item.session_ref or ''}: {item.session_title}",
            }
        )
    outputs = await search.search(
        conn, q[: search.MAX_QUERY], language="en", kind="track_output", offset=0, limit=SOURCES_SHOWN
    )
    for hit in outputs.hits:
        found.append(
            {
                "key": f"track_output:{hit.object_id}",
                "kind": "track_output",
                "title": "".join(piece for piece, _ in hit.title),
            }
        )
    return found


async def cited(conn: asyncpg.Connection, keys: list[str]) -> list[dict[str, Any]]:
    """The sources a form cites, with their titles when they resolve (core/references.py)."""
    shown = []
    for key in keys:
        kind, _, given = key.partition(":")
        title = key
        try:
            ref = await references.resolve(conn, kind, UUID(given.strip().rsplit("/", 1)[-1]))
        except ValueError:
            ref = None
        if ref is not None:
            title = ref.title
        shown.append({"key": key, "kind": kind, "title": title})
    return shown


# -- session report import ------------------------------------------------------------------------------


async def _import_text(raw: Any) -> tuple[str, str]:
    """(the file's text, its name) from the upload, else the pasted text."""
    upload = raw.get("file")
    if isinstance(upload, UploadFile):
        data = await upload.read(MAX_IMPORT + 1)
        if data:
            return data.decode("utf-8-sig", errors="replace")[: MAX_IMPORT + 1], upload.filename or ""
    return str(raw.get("content") or ""), ""


def parse_import(text: str, name: str) -> tuple[list[SessionReportCreate], list[FieldError]]:
    """The API's parsers: JSON when the text is an object (or the file ends in .json), else CSV."""
    data = text.encode("utf-8")
    if name.lower().endswith(".json") or text.lstrip().startswith("{"):
        return parse_json(data)
    return parse_csv(data)


class DraftingPages(PageController):
    path = "/drafting"

    # -- the workspace's start -------------------------------------------------------------------------

    @get("/", name="drafting:home", guards=[requires_secretariat])
    async def home(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template:
        """The Messages being drafted and commented on, with the ways into the drafting work."""
        service = MessageService(db, clock, settings)
        actor = _actor(request)
        rows = []
        for state in (MessageState.draft, MessageState.public_comment, MessageState.synthesis):
            page = await service.page(MessageFilters(state=state), actor=actor, cursor=None, limit=PAGE_SIZE)
            rows += page.items
        return render(request, TEMPLATES + "home.html", {"messages": rows, "state_names": STATE_NAMES})

    @get("/mine", name="drafting:mine", guards=[requires_authenticated])
    async def mine(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template:
        """The Messages the signed-in person is named to draft, each with its editor."""
        found = await MessageService(db, clock, settings).drafted_by(actor=_actor(request))
        return render(request, TEMPLATES + "mine.html", {"messages": found, "state_names": STATE_NAMES})

    # -- session reports -------------------------------------------------------------------------------

    @get("/reports", name="drafting:reports")
    async def reports(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        year: Annotated[int | None, Parameter(ge=1900, le=2999)] = None,
        action_line: Annotated[str | None, Parameter(max_length=10)] = None,
        sdg: Annotated[str | None, Parameter(max_length=3)] = None,
        gdc_objective: Annotated[str | None, Parameter(max_length=3)] = None,
        q: Annotated[str | None, Parameter(max_length=200)] = None,
        cursor: Annotated[str | None, Parameter(max_length=500)] = None,
    ) -> Template:
        """The session reports, by theme (a WSIS Action Line, an SDG, a GDC objective) and words; public,
        as the API's list is."""
        filters = ReportFilters(
            year=year,
            action_line=action_line if action_line in {c for c, _ in _WSIS} else None,
            sdg=int(sdg) if sdg in {c for c, _ in _SDG} else None,
            gdc_objective=int(gdc_objective) if gdc_objective in {c for c, _ in _GDC} else None,
            q=q.strip() if q and len(q.strip()) >= 2 else None,
        )
        service = SessionReportService(db, clock, settings)
        try:
            page = await service.page(filters, cursor=cursor, limit=PAGE_SIZE)
        except DomainError:  # an altered page link: start from the first page
            page = await service.page(filters, cursor=None, limit=PAGE_SIZE)
        chosen = {
            "year": str(year or ""),
            "action_line": filters.action_line or "",
            "sdg": str(filters.sdg or ""),
            "gdc_objective": str(filters.gdc_objective or ""),
            "q": q or "",
        }
        kept = {k: v for k, v in chosen.items() if v}
        next_url = f"?{urlencode({**kept, 'cursor': page.next_cursor})}" if page.next_cursor else None
        return render(
            request,
            TEMPLATES + "reports.html",
            {
                "reports": [(item, themes_text(item.classification)) for item in page.items],
                "chosen": chosen,
                "next_url": next_url,
                **_theme_options(),
            },
        )

    @get("/reports/import", name="drafting:import-form", guards=[requires_secretariat])
    async def import_form(self, request: AnyRequest, db: asyncpg.Connection) -> Template:
        """Upload or paste session reports (CSV or JSON); they are shown before anything is written."""
        token = await context_of(request.scope).csrf_token(db)
        return render(request, TEMPLATES + "import.html", _import_context(token))

    @post("/reports/import", name="drafting:import", status_code=200, guards=[requires_secretariat])
    async def import_reports(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        """``action=preview``: what the import would create and update, nothing written. ``action=import``: the
        same text, written all or nothing by the API's service."""
        language = request_language(request)
        raw = await request.form()
        text, name = await _import_text(raw)
        token = await context_of(request.scope).csrf_token(tx)
        if not text.strip():
            errors = {"content": gettext(language, N_("Choose a CSV or JSON file, or paste its text."))}
            return render(
                request, TEMPLATES + "import.html", _import_context(token, errors=errors), status_code=422
            )
        if len(text) > MAX_IMPORT:
            errors = {"content": gettext(language, N_("The file is too large: import it in smaller parts."))}
            return render(
                request, TEMPLATES + "import.html", _import_context(token, errors=errors), status_code=422
            )
        service = SessionReportService(tx, clock, settings)
        try:
            parsed, problems = parse_import(text, name)
            if problems:
                raise InvalidContent(errors=problems)
            existing = await service.preview_import(parsed)
            if raw.get("action") == "import":
                result = await service.import_reports(parsed, actor=_actor(request))
                done = gettext(language, N_("Imported: %(created)s new, %(updated)s updated.")) % {
                    "created": result.created,
                    "updated": result.updated,
                }
                target = i18n.path_in(language, "/drafting/reports") + "?" + urlencode({"imported": done})
                return Redirect(target, status_code=303)
        except (InvalidContent, MalformedImport) as exc:
            problems = list(getattr(exc, "errors", None) or [FieldError("", exc.detail)])
            context = _import_context(token, content=text, problems=problems)
            context["errors"] = {
                "content": gettext(
                    language, N_("The import has problems; nothing was written. Fix them and try again.")
                )
            }
            return render(request, TEMPLATES + "import.html", context, status_code=422)
        rows = list(zip(parsed, existing, strict=True))
        context = _import_context(token, content=text, preview=rows)
        return render(request, TEMPLATES + "import.html", context)

    # -- the editor --------------------------------------------------------------------------------------

    @get("/new", name="drafting:new", guards=[requires_secretariat])
    async def new(self, request: AnyRequest, db: asyncpg.Connection, clock: Clock) -> Template:
        """The form for a new Message (the Secretariat starts Messages, as in the API)."""
        form = DraftForm(year=str(clock.now().year), language=request_language(request))
        token = await context_of(request.scope).csrf_token(db)
        return render(request, TEMPLATES + "editor.html", await _editor_context(db, None, form, token))

    @post("/new", name="drafting:create", status_code=200, guards=[requires_secretariat])
    async def create(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        """``action=save`` creates the Message with its first version; ``preview`` and ``search`` show the form
        again with the text's paragraphs, or with sources found."""
        raw = await request.form()
        form = DraftForm.parse(raw)
        language = request_language(request)
        token = await context_of(request.scope).csrf_token(tx)
        action = str(raw.get("action") or "save")
        errors: dict[str, str] = {}
        service = MessageService(tx, clock, settings)
        if action == "save":
            provenance = form.provenance([], errors, language)
            drafters = await drafter_ids(tx, clock, settings, form.drafters, errors, language)
            if not form.year.isdigit():
                errors["year"] = gettext(language, N_("Enter the year of the IGF, for example 2025."))
            if not errors:
                try:
                    data = msgspec.convert(
                        {
                            "year": int(form.year),
                            "theme": form.theme,
                            "sub_theme": form.sub_theme or None,
                            "language": form.language,
                            "title": form.title,
                            "body": form.body,
                            "classification": msgspec.to_builtins(form.classification()),
                            "provenance": msgspec.to_builtins(provenance),
                            "drafters": [str(user_id) for user_id in drafters],
                        },
                        MessageCreate,
                    )
                    async with tx.transaction():
                        message = await service.create(data, actor=_actor(request))
                except msgspec.ValidationError as exc:
                    errors.update(_schema_errors(str(exc), language))
                except DomainError as exc:
                    errors.update(refusal_errors(exc, language, EDITOR_FIELDS))
                else:
                    target = (
                        i18n.path_in(language, f"/drafting/{message.id}")
                        + "?"
                        + urlencode(
                            {"saved": gettext(language, SAVED) % {"number": message.current_version_number}}
                        )
                    )
                    return Redirect(target, status_code=303)
        context = await _editor_context(
            tx, None, form, token, errors=errors, action=action, settings=settings, clock=clock
        )
        context["paragraphs"] = await service.preview_paragraphs(None, form.body, actor=_actor(request))
        return render(request, TEMPLATES + "editor.html", context, status_code=422 if errors else 200)

    @get("/sources", name="drafting:sources", guards=[requires_authenticated])
    async def sources(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        q: Annotated[str, Parameter(max_length=200)] = "",
    ) -> Template:
        """Sources a Message may cite, matching ``q``: the editor's search as you type (htmx swaps the results
        in) and a page of its own without JavaScript."""
        found = await find_sources(db, clock, settings, q)
        return render(
            request,
            TEMPLATES + "sources.html",
            {"q": q, "found": found, "provenance_names": PROVENANCE_NAMES, "chosen": []},
        )

    @get("/{message_id:uuid}", name="drafting:editor", guards=[requires_authenticated])
    async def editor(
        self,
        message_id: UUID,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        saved: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> Template:
        """The Message's current source text in Markdown with its paragraphs' ids, its classification and
        sources, its versions, and (in draft) opening the comment window. The Secretariat and the Message's
        drafters only (MessageService.for_drafting)."""
        service = MessageService(db, clock, settings)
        actor = _actor(request)
        message = await service.get(message_id, actor=actor)
        await service.for_drafting(message_id, actor=actor, expected_version=None)
        form = DraftForm.of(message)
        form.drafters = await drafter_addresses(
            db, clock, settings, await service.drafters(message_id, actor=actor)
        )
        token = await context_of(request.scope).csrf_token(db)
        context = await _editor_context(db, message, form, token, settings=settings, clock=clock)
        context["paragraphs"] = message.languages[0].paragraphs
        context["notice"] = saved
        context["can_name_drafters"] = actor.has_role(Role.secretariat)
        return render(request, TEMPLATES + "editor.html", context)

    @post("/{message_id:uuid}", name="drafting:save", status_code=200, guards=[requires_authenticated])
    async def save(
        self,
        message_id: UUID,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
    ) -> Response[Any]:
        """``action=save``: the changed metadata through ``PATCH`` and the changed text as a new version, both
        with the version the form was read at (a stale form is refused, its text kept). ``preview`` shows the
        paragraphs the text would have, ``search`` the sources found."""
        raw = await request.form()
        form = DraftForm.parse(raw)
        language = request_language(request)
        actor = _actor(request)
        token = await context_of(request.scope).csrf_token(tx)
        action = str(raw.get("action") or "save")
        service = MessageService(tx, clock, settings)
        message = await service.get(message_id, actor=actor)
        await service.for_drafting(message_id, actor=actor, expected_version=None)
        form.language = message.source_language
        errors: dict[str, str] = {}
        notice = None
        if action == "save":
            try:
                async with tx.transaction():
                    notice = await self._save(tx, clock, settings, message, form, actor, language, errors)
            except DomainError as exc:
                errors.update(refusal_errors(exc, language, EDITOR_FIELDS))
            except _Refused:
                pass  # the errors are in the form; the savepoint undid what was written
            if notice is not None and not errors:
                target = (
                    i18n.path_in(language, f"/drafting/{message_id}") + "?" + urlencode({"saved": notice})
                )
                return Redirect(target, status_code=303)
        if not actor.has_role(Role.secretariat):
            form.drafters = await drafter_addresses(
                tx, clock, settings, await service.drafters(message_id, actor=actor)
            )
        context = await _editor_context(
            tx, message, form, token, errors=errors, action=action, settings=settings, clock=clock
        )
        context["paragraphs"] = await service.preview_paragraphs(message_id, form.body, actor=actor)
        context["can_name_drafters"] = actor.has_role(Role.secretariat)
        return render(request, TEMPLATES + "editor.html", context, status_code=422 if errors else 200)

    async def _save(
        self,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        message: Message,
        form: DraftForm,
        actor: Principal,
        language: str,
        errors: dict[str, str],
    ) -> str | None:
        """What changed, saved; the notice to show, or None with ``errors`` filled."""
        service = MessageService(tx, clock, settings)
        kept = [
            ProvenanceIn(kind=p.kind, id=p.id, paragraph_ids=p.paragraph_ids, note=p.note)
            for p in message.provenance
        ]
        provenance = form.provenance(kept, errors, language)
        if not form.expected_version.isdigit():
            errors["expected_version"] = gettext(language, STALE)
        if errors:
            return None
        expected = int(form.expected_version)
        changes: dict[str, Any] = {}
        if form.theme != message.theme:
            changes["theme"] = form.theme
        if (form.sub_theme or None) != message.sub_theme:
            changes["sub_theme"] = form.sub_theme or None
        if form.classification() != message.classification:
            changes["classification"] = msgspec.to_builtins(form.classification())
        if [(p.kind, p.id) for p in provenance] != [(p.kind, p.id) for p in message.provenance]:
            changes["provenance"] = msgspec.to_builtins(provenance)
        if actor.has_role(Role.secretariat):  # a drafter sees the list; the Secretariat chooses it
            current = await service.drafters(message.id, actor=actor)
            wanted = await drafter_ids(tx, clock, settings, form.drafters, errors, language)
            if errors:
                return None
            if sorted(wanted) != sorted(current):
                changes["drafters"] = [str(user_id) for user_id in wanted]
        notices = []
        if changes:
            try:
                patch = msgspec.convert(changes, MessagePatch)
            except msgspec.ValidationError as exc:
                errors.update(_schema_errors(str(exc), language))
                return None
            updated = await service.patch(message.id, patch, actor=actor, expected_version=expected)
            expected = updated.version
            notices.append(gettext(language, CHANGED))
        source = message.languages[0]
        if form.title != source.title or form.body.strip() != "\n\n".join(p.text for p in source.paragraphs):
            try:
                data = msgspec.convert({"title": form.title, "body": form.body}, VersionCreate)
            except msgspec.ValidationError as exc:
                errors.update(_schema_errors(str(exc), language))
                raise _Refused from None
            lifecycle = MessageLifecycle(tx, clock, settings)
            version, _ = await lifecycle.save_version(
                message.id, data, actor=actor, expected_version=expected
            )
            notices.append(gettext(language, SAVED) % {"number": version.number})
        if not notices:
            errors["body"] = gettext(language, NOTHING_CHANGED)
            return None
        return " ".join(notices)

    # -- translations ---------------------------------------------------------------------------------

    @get("/{message_id:uuid}/translation", name="drafting:translation", guards=[requires_authenticated])
    async def translation(
        self,
        message_id: UUID,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        language: Annotated[str | None, Parameter(max_length=35)] = None,
        saved: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> Template:
        """Without ``language``: the translations there are and the languages still missing. With it: the
        source text and the translation side by side, paragraph for paragraph."""
        service = MessageService(db, clock, settings)
        actor = _actor(request)
        message = await service.get(message_id, actor=actor)
        await service.for_drafting(message_id, actor=actor, expected_version=None)
        token = await context_of(request.scope).csrf_token(db)
        context = await _translation_context(service, message, language, actor)
        context |= {"csrf_token": token, "notice": saved, "errors": {}}
        return render(request, TEMPLATES + "translation.html", context)

    @post(
        "/{message_id:uuid}/translation",
        name="drafting:save-translation",
        status_code=200,
        guards=[requires_authenticated],
    )
    async def save_translation(
        self,
        message_id: UUID,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
    ) -> Response[Any]:
        """The translation as a new version of its language, through the API's ``SaveMessageVersion``: marked
        as machine translation unless the person says they checked it."""
        raw = await request.form()
        language = request_language(request)
        actor = _actor(request)
        service = MessageService(tx, clock, settings)
        message = await service.get(message_id, actor=actor)
        await service.for_drafting(message_id, actor=actor, expected_version=None)
        target = str(raw.get("language") or "")
        context = await _translation_context(service, message, target, actor)
        source = context["source"]
        if context["target"] is None or source is None:
            raise InvalidContent(errors=[FieldError("/language", "not a language to translate into")])
        title = str(raw.get("title") or "").strip()
        texts = {p.id: str(raw.get(f"p-{p.id}") or "").strip() for p in source.paragraphs}
        confirmed = raw.get("confirmed") == "yes"
        expected = str(raw.get("expected_version") or "")
        errors: dict[str, str] = {}
        if not title:
            errors["title"] = gettext(language, N_("Translate the title."))
        for pid, text in texts.items():
            if not text:
                errors[f"p-{pid}"] = gettext(language, N_("Translate paragraph %(id)s.")) % {"id": pid}
        if not expected.isdigit():
            errors["expected_version"] = gettext(language, STALE)
        if not errors:
            try:
                data = msgspec.convert(
                    {
                        "language": target,
                        "title": title,
                        "paragraphs": [{"id": pid, "text": text} for pid, text in texts.items()],
                        "translation_of": source.number,
                        "machine_translation": not confirmed,
                    },
                    VersionCreate,
                )
            except msgspec.ValidationError as exc:
                errors["title"] = str(exc).split(" - at ")[0]
            else:
                try:
                    async with tx.transaction():
                        version, _ = await MessageLifecycle(tx, clock, settings).save_version(
                            message_id, data, actor=actor, expected_version=int(expected)
                        )
                except DomainError as exc:
                    ids = [p.id for p in source.paragraphs]
                    known = {"title": "title", "": "title", "translation_of": "title", "language": "title"}
                    errors.update(_paragraph_errors(exc, language, known, ids))
                else:
                    done = gettext(language, SAVED) % {"number": version.number}
                    query = urlencode({"language": target, "saved": done})
                    return Redirect(
                        i18n.path_in(language, f"/drafting/{message_id}/translation") + "?" + query,
                        status_code=303,
                    )
        token = await context_of(request.scope).csrf_token(tx)
        context |= {
            "csrf_token": token,
            "notice": None,
            "errors": errors,
            "title": title,
            "texts": texts,
            "confirmed": confirmed,
        }
        return render(request, TEMPLATES + "translation.html", context, status_code=422)

    # -- the comment window ------------------------------------------------------------------------------

    @post(
        "/{message_id:uuid}/open-comment",
        name="drafting:open-comment",
        status_code=200,
        guards=[requires_secretariat],  # the lifecycle lets only the Secretariat open the window
    )
    async def open_comment(
        self,
        message_id: UUID,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
    ) -> Response[Any]:
        """Open the public comment window for ``days`` days on the server's clock: the lifecycle's transition
        to ``public_comment``, which holds the minimum."""
        raw = await request.form()
        language = request_language(request)
        actor = _actor(request)
        days_text = str(raw.get("days") or "").strip()
        expected = str(raw.get("expected_version") or "").strip()
        errors: dict[str, str] = {}
        if not days_text.isdigit() or not 1 <= int(days_text) <= 365:
            errors["days"] = gettext(
                language, N_("Enter the number of days the window stays open, for example 21.")
            )
        elif not expected.isdigit():
            errors["expected_version"] = gettext(language, STALE)
        else:
            try:
                async with tx.transaction():
                    await MessageLifecycle(tx, clock, settings).transition(
                        message_id,
                        OpenPublicComment(days=int(days_text)),
                        actor=actor,
                        expected_version=int(expected),
                    )
            except DomainError as exc:
                if not isinstance(
                    exc, InvalidContent | PreconditionFailed | WrongStateForAction | IllegalTransition
                ):
                    raise
                errors.update(refusal_errors(exc, language, {"days": "days", "": "days"}))
            else:
                done = gettext(language, N_("The public comment window is open."))
                target = i18n.path_in(language, f"/drafting/{message_id}") + "?" + urlencode({"saved": done})
                return Redirect(target, status_code=303)
        service = MessageService(tx, clock, settings)
        message = await service.get(message_id, actor=actor)
        token = await context_of(request.scope).csrf_token(tx)
        context = await _editor_context(
            tx, message, DraftForm.of(message), token, settings=settings, clock=clock
        )
        context["paragraphs"] = message.languages[0].paragraphs
        context["window_errors"] = errors
        context["days"] = days_text
        return render(request, TEMPLATES + "editor.html", context, status_code=422)


class _Refused(Exception):
    """The form's own check failed after a write in the savepoint: roll the savepoint back."""


EDITOR_FIELDS = {
    "year": "year",
    "theme": "theme",
    "sub_theme": "sub_theme",
    "language": "language",
    "title": "title",
    "body": "body",
    "paragraphs": "body",
    "classification": "classification",
    "provenance": "sources",
    "drafters": "drafters",
    "days": "days",
    "": "body",
}


def _paragraph_errors(
    exc: DomainError, language: str, known: Mapping[str, str], ids: list[str]
) -> dict[str, str]:
    """A refusal of a translation: ``/paragraphs/2/text`` is the third paragraph's field."""
    if isinstance(exc, PreconditionFailed | WrongStateForAction | IllegalTransition):
        return refusal_errors(exc, language, known)
    errors: dict[str, str] = {}
    for error in getattr(exc, "errors", None) or [FieldError("", exc.detail)]:
        parts = error.pointer.strip("/").split("/")
        if parts[0] == "paragraphs" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(ids):
            name = f"p-{ids[int(parts[1])]}"
        else:
            name = known.get(parts[0], "title")
        errors[name] = error.detail
    return errors


async def _translation_context(
    service: MessageService, message: Message, language: str | None, actor: Principal
) -> dict[str, Any]:
    """The source version, the languages with a translation (and whether it is of the current text and checked
    by a person), the languages missing, and for ``language`` the latest translation's text by paragraph."""
    source_text = message.languages[0]
    source = await service.version(message.id, source_text.version_number, actor=actor)
    present: dict[str, Any] = {}
    cursor: str | None = None
    while True:
        page = await service.versions(message.id, actor=actor, language=None, cursor=cursor, limit=100)
        for v in page.items:
            if v.language != message.source_language:
                present[v.language] = v  # oldest first: the last one is the latest
        cursor = page.next_cursor
        if cursor is None:
            break
    missing = [code for code in LANGUAGES if code != message.source_language and code not in present]
    target = language if language in LANGUAGES and language != message.source_language else None
    texts: dict[str, str] = {}
    title = ""
    confirmed = False
    if target is not None and target in present:
        latest = await service.version(message.id, present[target].number, actor=actor)
        texts = {p.id: p.text for p in latest.paragraphs}
        title = latest.title
        confirmed = not latest.machine_translation
    return {
        "message": message,
        "source": source,
        "present": [present[code] for code in LANGUAGES if code in present],
        "missing": missing,
        "target": target,
        "target_dir": LANGUAGES[target].direction if target else "ltr",
        "source_dir": LANGUAGES[message.source_language].direction
        if message.source_language in LANGUAGES
        else "auto",
        "title": title,
        "texts": texts,
        "confirmed": confirmed,
        "markdown": markdown,
    }


def _schema_errors(message: str, language: str) -> dict[str, str]:
    """msgspec's complaint about a field (``Expected `str` of length >= 2 - at `$.theme```) at that field."""
    name = "body"
    if "$." in message:
        name = message.rsplit("$.", 1)[1].split("`")[0].split(".")[0].split("[")[0]
    texts = {
        "theme": N_("Enter the theme: between 2 and 200 characters."),
        "sub_theme": N_("The sub-theme is between 2 and 200 characters, or empty."),
        "title": N_("Enter the title: between 2 and 300 characters."),
        "body": N_("Write the text of the Message."),
        "language": N_("Choose the language the Message is drafted in."),
        "year": N_("Enter the year of the IGF, for example 2025."),
    }
    field_name = EDITOR_FIELDS.get(name, "body")
    return {field_name: gettext(language, texts.get(field_name, N_("Write the text of the Message.")))}


def themes_text(c: Classification) -> str:
    """A report's themes in short: ``C2, SDG 9, GDC 1``."""
    return ", ".join(
        [*c.wsis_action_lines, *(f"SDG {n}" for n in c.sdgs), *(f"GDC {n}" for n in c.gdc_objectives)]
    )


def _theme_options() -> dict[str, Any]:
    return {
        "action_line_options": [("", "—"), *((c, f"{c} {label}") for c, label in _WSIS)],
        "sdg_options": [("", "—"), *((c, f"SDG {c}: {label}") for c, label in _SDG)],
        "gdc_options": [("", "—"), *((c, f"{c}. {label}") for c, label in _GDC)],
    }


def _import_context(
    token: str,
    *,
    content: str = "",
    errors: dict[str, str] | None = None,
    problems: list[FieldError] | None = None,
    preview: list[tuple[SessionReportCreate, UUID | None]] | None = None,
) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "content": content,
        "errors": errors or {},
        "problems": problems or [],
        "preview": preview,
        "created": sum(1 for _, existing in preview or [] if existing is None),
        "updated": sum(1 for _, existing in preview or [] if existing is not None),
    }


async def _editor_context(
    conn: asyncpg.Connection,
    message: Message | None,
    form: DraftForm,
    token: str,
    *,
    errors: dict[str, str] | None = None,
    action: str = "",
    settings: Settings | None = None,
    clock: Clock | None = None,
    can_name_drafters: bool = True,
) -> dict[str, Any]:
    found: list[dict[str, Any]] = []
    if action == "search" and settings is not None and clock is not None:
        found = await find_sources(conn, clock, settings, form.q)
    chosen = await cited(conn, form.sources)
    rules = settings.messages if settings is not None else None
    return {
        "message": message,
        "form": form,
        "csrf_token": token,
        "errors": errors or {},
        "action": action,
        "frames": classification_options(form),
        "chosen": chosen,
        "found": [f for f in found if f["key"] not in form.sources],
        "searched": action == "search",
        "provenance_names": PROVENANCE_NAMES,
        "state_names": STATE_NAMES,
        "citable": [(kind, PROVENANCE_NAMES[kind]) for kind in CITABLE],
        "language_options": [(code, LANGUAGES[code].name) for code in LANGUAGES],
        "paragraphs": [],
        "markdown": markdown,
        "notice": None,
        "window_errors": {},
        "days": str(rules.comment_default_days) if rules else "",
        "min_days": rules.comment_min_days if rules else None,
        "can_open": message is not None and message.state is MessageState.draft,
        "can_name_drafters": can_name_drafters,
    }
