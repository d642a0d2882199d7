"""HTTP for Messages: list and read, drafting (create, patch, versions), diff, transitions and history.
Comments and ballots are in ``review_controllers.py``, session reports in ``report_controllers.py``, exports
and the public page in ``export_controllers.py``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.params import Parameter, QueryParameter

from igf_hub.auth.guards import requires_authenticated, requires_role, requires_secretariat
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.core import imports, params
from igf_hub.core.caching import PRIVATE_HEADERS, cached
from igf_hub.core.concurrency import etag_headers, expected_version, written
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit, YearFilter
from igf_hub.core.providers import reader, writer
from igf_hub.messages.archive_service import ArchiveRejected, MessageArchiveReport, MessageArchiveService
from igf_hub.messages.archive_service import parse_csv as parse_archive_csv
from igf_hub.messages.archive_service import parse_json as parse_archive_json
from igf_hub.messages.diff import VersionDiff
from igf_hub.messages.lifecycle_service import MessageLifecycle
from igf_hub.messages.params import GdcObjectiveFilter, Number, SdgFilter
from igf_hub.messages.repository import MessageFilters
from igf_hub.messages.schemas import (
    HistoryEntry,
    Message,
    MessageCreate,
    MessagePage,
    MessagePatch,
    Transition,
    Version,
    VersionCreate,
    VersionPage,
)
from igf_hub.messages.service import MessageService
from igf_hub.messages.states import MessageState

WRITE = {"messages": writer(MessageService)}


WRITE_ARCHIVE = {"archive": writer(MessageArchiveService)}
ArchiveSource = Annotated[str | None, imports.source_parameter("Message")]
LIFECYCLE = {"lifecycle": writer(MessageLifecycle)}


class MessageController(Controller):
    path = "/v1/messages"
    tags = ["IGF Messages"]
    dependencies = {"messages": reader(MessageService)}

    @get("/", operation_id="ListMessages")
    async def list_messages(
        self,
        request: AnyRequest,
        messages: MessageService,
        year: YearFilter = None,
        theme: str | None = None,
        in_state: Annotated[MessageState | None, QueryParameter(name="state")] = None,
        action_line: str | None = None,
        sdg: SdgFilter = None,
        gdc_objective: GdcObjectiveFilter = None,
        language: str | None = None,
        q: Annotated[str | None, Parameter(min_length=2, max_length=200)] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[MessagePage]:
        """Messages, newest first; drafts never opened for comment are listed for the Secretariat only.
        Filters: year, theme, state, WSIS action line, SDG, GDC objective, language, and ``q`` (text search)."""
        filters = MessageFilters(
            year=year,
            theme=theme,
            state=in_state,
            action_line=action_line,
            sdg=sdg,
            gdc_objective=gdc_objective,
            language=language,
            q=q,
        )
        page = await messages.page(filters, actor=request.user, cursor=cursor, limit=limit)
        return cached(request, page)

    @post(
        "/archive",
        operation_id="ImportMessageArchive",
        status_code=200,
        guards=[requires_secretariat],
        dependencies=WRITE_ARCHIVE,
    )
    async def import_archive(
        self,
        request: AnyRequest,
        archive: MessageArchiveService,
        dry_run: bool = False,
        source: ArchiveSource = None,
    ) -> MessageArchiveReport:
        """Published Messages from the archive, as history: published on their real date, with their
        languages and source URL, marked as imported, never approved here; citable and supersedable. JSON
        ``{"messages": [...]}`` or CSV; all or nothing; ``?dry_run=true`` writes nothing. Formats:
        docs/archive-import.md."""
        body = await imports.read_body(request, ArchiveRejected, not_utf8="not UTF-8")
        items = parse_archive_csv(body) if isinstance(body, str) else parse_archive_json(body)
        return await archive.load(
            items, actor=request.user, source=source or "Messages archive", dry_run=dry_run
        )

    @post("/", operation_id="CreateMessage", guards=[requires_secretariat], dependencies=WRITE)
    async def create_message(
        self, data: MessageCreate, request: AnyRequest, messages: MessageService
    ) -> Response[Message]:
        """A new Message in ``draft`` with its first version; provenance must resolve."""
        message = await messages.create(data, actor=request.user)
        return written(message, status_code=201, headers=PRIVATE_HEADERS)

    @get("/{message_id:uuid}", operation_id="GetMessage")
    async def get_message(
        self, message_id: UUID, request: AnyRequest, messages: MessageService
    ) -> Response[Message]:
        """One IGF Message with its current text and state, with an ETag. Everyone reads a Message once it has
        been opened for comment; before that it is 404 except to its drafters and the Secretariat."""
        message = await messages.get(message_id, actor=request.user)
        return cached(request, message, version=message.version)

    @patch(
        "/{message_id:uuid}",
        operation_id="UpdateMessage",
        guards=[requires_authenticated],
        dependencies=WRITE,
    )
    async def update_message(
        self, message_id: UUID, data: MessagePatch, request: AnyRequest, messages: MessageService
    ) -> Response[Message]:
        """Theme, classification, provenance (in draft or synthesis); drafters (Secretariat). Needs If-Match."""
        message = await messages.patch(
            message_id, data, actor=request.user, expected_version=expected_version(request)
        )
        return written(message, headers=PRIVATE_HEADERS)

    @get("/{message_id:uuid}/versions", operation_id="ListMessageVersions")
    async def list_versions(
        self,
        message_id: UUID,
        request: AnyRequest,
        messages: MessageService,
        language: str | None = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> VersionPage:
        """The Message's saved versions, oldest first (number, language, title, content hash), optionally in
        one language. Readable by whoever may read the Message (404 otherwise)."""
        return await messages.versions(
            message_id, actor=request.user, language=language, cursor=cursor, limit=limit
        )

    @post(
        "/{message_id:uuid}/versions",
        operation_id="SaveMessageVersion",
        guards=[requires_authenticated],
        dependencies=LIFECYCLE,
    )
    async def save_version(
        self, message_id: UUID, data: VersionCreate, request: AnyRequest, lifecycle: MessageLifecycle
    ) -> Response[Version]:
        """A new immutable version (drafters). ``If-Match`` is the Message's ETag; the Message's new ETag comes
        back in ``Message-ETag``. A new authoritative text in MAG review closes the open ballot."""
        version, message_version = await lifecycle.save_version(
            message_id, data, actor=request.user, expected_version=expected_version(request)
        )
        return Response(
            version,
            status_code=201,
            headers={
                "Message-ETag": etag_headers(message_version)["ETag"],
                "Location": f"/v1/messages/{message_id}/versions/{version.number}",
                **PRIVATE_HEADERS,
            },
        )

    @get("/{message_id:uuid}/versions/{number:int}", operation_id="GetMessageVersion")
    async def get_version(
        self, message_id: UUID, number: Number, request: AnyRequest, messages: MessageService
    ) -> Version:
        """One immutable version. ``content_sha256`` is the SHA-256 (hex) of the UTF-8 JSON
        ``{"language", "paragraphs": [{"id", "text"}, ...], "title"}`` serialised per RFC 8785 (sorted keys, no
        whitespace, non-ASCII as itself), strings NFC-normalised with LF line ends and trimmed. Recompute it from
        this response to check a text."""
        return await messages.version(message_id, number, actor=request.user)

    @get("/{message_id:uuid}/diff", operation_id="DiffMessageVersions")
    async def diff_versions(
        self,
        message_id: UUID,
        request: AnyRequest,
        messages: MessageService,
        from_version: Annotated[int, QueryParameter(name="from", ge=1, le=2**31 - 1)],
        to_version: Annotated[int, QueryParameter(name="to", ge=1, le=2**31 - 1)],
    ) -> VersionDiff:
        """Two versions of one language compared: per paragraph (by stable id), word by word, and unified."""
        return await messages.diff(message_id, from_version, to_version, actor=request.user)

    @post(
        "/{message_id:uuid}/transitions",
        operation_id="TransitionMessage",
        status_code=200,
        guards=[requires_role(Role.secretariat, Role.mag_member)],
        dependencies=LIFECYCLE,
    )
    async def transition(
        self, message_id: UUID, data: Transition, request: AnyRequest, lifecycle: MessageLifecycle
    ) -> Response[Message]:
        """Move the Message: ``{"to": "public_comment", "days": 21}``, ``{"to": "synthesis"}``,
        ``{"to": "mag_review"}``, ``{"to": "draft", "reason": …}``, ``{"to": "approved"}``,
        ``{"to": "published"}``, ``{"to": "superseded", "superseded_by": …}``, ``{"to": "withdrawn", "reason": …}``.
        Needs If-Match. An illegal transition is a 409 naming the current state and the allowed ones."""
        message = await lifecycle.transition(
            message_id, data, actor=request.user, expected_version=expected_version(request)
        )
        return written(message, headers=PRIVATE_HEADERS)

    @get("/{message_id:uuid}/history", operation_id="GetMessageHistory")
    async def history(
        self, message_id: UUID, request: AnyRequest, messages: MessageService
    ) -> list[HistoryEntry]:
        """Everything that happened to the Message, in order: each state change and saved version, with the
        role of whoever did it (not the person) and the reason given; the latest 200 entries at most (the
        complete record is in ``exports/message.json``). Readable by whoever may read the Message (404
        otherwise)."""
        return await messages.history(message_id, actor=request.user, latest=params.LATEST_SHOWN)
