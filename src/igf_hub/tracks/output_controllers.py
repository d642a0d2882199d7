"""HTTP for track outputs: public, citable listing and reads; drafting, comment windows, publication and new
versions by the track's facilitators (or the Secretariat)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import Parameter

from igf_hub.auth.guards import requires_authenticated
from igf_hub.auth.principal import AnyRequest
from igf_hub.core import references
from igf_hub.core.caching import cached
from igf_hub.core.concurrency import expected_version, written
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit, YearFilter
from igf_hub.core.providers import reader, writer
from igf_hub.core.ratelimit import rate_limit
from igf_hub.tracks.controllers import (
    ActionLine,
    GdcObjective,
    Sdg,
    Search,
    managers,
)
from igf_hub.tracks.output_repository import OutputFilters
from igf_hub.tracks.output_schemas import (
    Comment,
    CommentCreate,
    CommentPage,
    CommentWindowOpen,
    Output,
    OutputCreate,
    OutputKind,
    OutputPage,
    OutputPatch,
    OutputStatus,
)
from igf_hub.tracks.output_service import OutputService
from igf_hub.tracks.schemas import TrackType

Language = Annotated[
    str | None, Parameter(pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$", description="BCP 47")
]


WRITE = {"outputs": writer(OutputService)}


class OutputController(Controller):
    path = "/v1/tracks"
    tags = ["Track outputs"]
    dependencies = {"outputs": reader(OutputService)}

    @get("/outputs", operation_id="ListTrackOutputs")
    async def list_outputs(
        self,
        request: AnyRequest,
        outputs: OutputService,
        track_type: TrackType | None = None,
        kind: OutputKind | None = None,
        status: OutputStatus | None = None,
        year: YearFilter = None,
        action_line: ActionLine = None,
        sdg: Sdg = None,
        gdc_objective: GdcObjective = None,
        language: Language = None,
        q: Search = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[OutputPage]:
        """Outputs of every track, newest first: published and superseded ones, and drafts open for comment."""
        filters = OutputFilters(
            track_type=track_type.value if track_type else None,
            kind=kind,
            status=status,
            year=year,
            action_line=action_line,
            sdg=sdg,
            gdc_objective=gdc_objective,
            language=language,
            q=q,
        )
        page = await outputs.list_outputs(filters, actor=request.user, cursor=cursor, limit=limit)
        return cached(request, page)

    @get("/outputs/by-citable-id/{citable_id:str}", operation_id="GetTrackOutputByCitableId")
    async def get_by_citable_id(
        self, citable_id: str, request: AnyRequest, outputs: OutputService
    ) -> Response[Output]:
        """Resolve a citable id (``igf:<track>:<year>:<n>:v<version>``) to the published output."""
        output = await outputs.get_by_citable_id(citable_id)
        return cached(request, output, version=output.version)

    @get("/outputs/{output_id:uuid}", operation_id="GetTrackOutput")
    async def get_output(
        self, output_id: UUID, request: AnyRequest, outputs: OutputService
    ) -> Response[Output]:
        """One track output, with an ETag. Published outputs, and drafts once their comment window has opened,
        are public; other drafts are 404 except to the track's facilitators and the Secretariat."""
        output = await outputs.get(output_id, actor=request.user)
        return cached(request, output, version=output.version)

    @get("/outputs/{output_id:uuid}/cited-by", operation_id="ListTrackOutputCitations")
    async def cited_by(
        self, output_id: UUID, request: AnyRequest, outputs: OutputService
    ) -> list[references.Citation]:
        """The public IGF Messages that cite this output in their provenance (404 for an output you may not
        read)."""
        return await outputs.cited_by(output_id, actor=request.user)

    @patch(
        "/outputs/{output_id:uuid}", operation_id="UpdateTrackOutput", guards=[managers], dependencies=WRITE
    )
    async def update_output(
        self, output_id: UUID, data: OutputPatch, request: AnyRequest, outputs: OutputService
    ) -> Response[Output]:
        """Edit a draft (needs ``If-Match``); a published output is immutable (409)."""
        output = await outputs.patch(
            output_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(output)

    @delete(
        "/outputs/{output_id:uuid}", operation_id="DeleteTrackOutput", guards=[managers], dependencies=WRITE
    )
    async def delete_output(self, output_id: UUID, request: AnyRequest, outputs: OutputService) -> None:
        """Delete a draft; published outputs are never deleted."""
        await outputs.delete(
            output_id, expected_version=expected_version(request, required=False), actor=request.user
        )

    @post(
        "/outputs/{output_id:uuid}/comment-window",
        operation_id="OpenTrackOutputCommentWindow",
        status_code=200,
        guards=[managers],
        dependencies=WRITE,
    )
    async def open_comment_window(
        self, output_id: UUID, data: CommentWindowOpen, request: AnyRequest, outputs: OutputService
    ) -> Response[Output]:
        """Open (or extend) a draft's community comment window until ``closes_at``; needs ``If-Match``."""
        output = await outputs.open_comment_window(
            output_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(output)

    @get("/outputs/{output_id:uuid}/comments", operation_id="ListTrackOutputComments")
    async def list_comments(
        self,
        output_id: UUID,
        request: AnyRequest,
        outputs: OutputService,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[CommentPage]:
        """The community comments on an output, oldest first. Readable by whoever may read the output (404
        otherwise)."""
        page = await outputs.list_comments(output_id, actor=request.user, cursor=cursor, limit=limit)
        return cached(request, page)

    @post(
        "/outputs/{output_id:uuid}/comments",
        operation_id="CommentOnTrackOutput",
        guards=[requires_authenticated, rate_limit("track-output-comments", 30, 3600)],
        dependencies=WRITE,
    )
    async def comment(
        self, output_id: UUID, data: CommentCreate, request: AnyRequest, outputs: OutputService
    ) -> Comment:
        """Comment on a draft while its comment window is open."""
        return await outputs.comment(output_id, data, actor=request.user)

    @post(
        "/outputs/{output_id:uuid}/publish",
        operation_id="PublishTrackOutput",
        status_code=200,
        guards=[managers],
        dependencies=WRITE,
    )
    async def publish(self, output_id: UUID, request: AnyRequest, outputs: OutputService) -> Response[Output]:
        """``draft → published`` (needs ``If-Match``): the output gets its citable id and supersedes the version
        it revises. BPF and PN drafts must have been through a closed comment window."""
        output = await outputs.publish(
            output_id, expected_version=expected_version(request), actor=request.user
        )
        return written(output)

    @post(
        "/outputs/{output_id:uuid}/versions",
        operation_id="CreateTrackOutputVersion",
        guards=[managers],
        dependencies=WRITE,
    )
    async def new_version(
        self, output_id: UUID, data: OutputPatch, request: AnyRequest, outputs: OutputService
    ) -> Response[Output]:
        """Start the next version of a published output as a draft, with the changes in the body."""
        return written(await outputs.new_version(output_id, data, actor=request.user), status_code=201)

    # -- per track -------------------------------------------------------------------------------------

    @get("/{slug:str}/outputs", operation_id="ListOutputsOfTrack")
    async def list_track_outputs(
        self,
        slug: str,
        request: AnyRequest,
        outputs: OutputService,
        kind: OutputKind | None = None,
        status: OutputStatus | None = None,
        year: YearFilter = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[OutputPage]:
        """A track's outputs, newest first (its facilitators and the Secretariat also see every draft)."""
        filters = OutputFilters(track_id=await outputs.track_id_of(slug), kind=kind, status=status, year=year)
        page = await outputs.list_outputs(filters, actor=request.user, cursor=cursor, limit=limit)
        return cached(request, page)

    @post("/{slug:str}/outputs", operation_id="CreateTrackOutput", guards=[managers], dependencies=WRITE)
    async def create_output(
        self, slug: str, data: OutputCreate, request: AnyRequest, outputs: OutputService
    ) -> Response[Output]:
        """Start a draft output of the track."""
        return written(await outputs.create(slug, data, actor=request.user), status_code=201)
