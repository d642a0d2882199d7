"""HTTP for calls for input: public calls and submissions; facilitators open and edit their track's calls."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, patch, post

from igf_hub.auth.guards import requires_authenticated
from igf_hub.auth.principal import AnyRequest
from igf_hub.core.caching import cached
from igf_hub.core.concurrency import expected_version, written
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit
from igf_hub.core.providers import reader, writer
from igf_hub.core.ratelimit import rate_limit
from igf_hub.tracks.call_schemas import (
    Call,
    CallCreate,
    CallPage,
    CallPatch,
    Submission,
    SubmissionCreate,
    SubmissionPage,
)
from igf_hub.tracks.call_service import CallService
from igf_hub.tracks.controllers import managers

WRITE = {"calls": writer(CallService)}


class CallController(Controller):
    path = "/v1/tracks"
    tags = ["Track calls for input"]
    dependencies = {"calls": reader(CallService)}

    @get("/{slug:str}/calls", operation_id="ListTrackCalls")
    async def list_calls(
        self,
        slug: str,
        request: AnyRequest,
        calls: CallService,
        current: bool = False,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[CallPage]:
        """A track's calls for input, latest opening first (``current=true``: only scheduled and open ones)."""
        page = await calls.list_for_track(slug, current_only=current, cursor=cursor, limit=limit)
        return cached(request, page)

    @post("/{slug:str}/calls", operation_id="CreateTrackCall", guards=[managers], dependencies=WRITE)
    async def create_call(
        self, slug: str, data: CallCreate, request: AnyRequest, calls: CallService
    ) -> Response[Call]:
        """Open a call for input between ``opens_at`` and ``closes_at`` (server time decides)."""
        return written(await calls.create(slug, data, actor=request.user), status_code=201)

    @get("/calls/{call_id:uuid}", operation_id="GetTrackCall")
    async def get_call(self, call_id: UUID, request: AnyRequest, calls: CallService) -> Response[Call]:
        """One call for input of a track: its text and the period it is open, with an ETag. Public."""
        call = await calls.get(call_id)
        return cached(request, call, version=call.version)

    @patch("/calls/{call_id:uuid}", operation_id="UpdateTrackCall", guards=[managers], dependencies=WRITE)
    async def update_call(
        self, call_id: UUID, data: CallPatch, request: AnyRequest, calls: CallService
    ) -> Response[Call]:
        """Edit a call that has not closed (needs ``If-Match``); an open call keeps its opening date."""
        call = await calls.patch(
            call_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(call)

    @post(
        "/calls/{call_id:uuid}/close",
        operation_id="CloseTrackCall",
        status_code=200,
        guards=[managers],
        dependencies=WRITE,
    )
    async def close_call(self, call_id: UUID, request: AnyRequest, calls: CallService) -> Response[Call]:
        """Close an open call now, before its deadline (needs ``If-Match``); submissions after it are 409."""
        call = await calls.close(call_id, expected_version=expected_version(request), actor=request.user)
        return written(call)

    @get("/calls/{call_id:uuid}/submissions", operation_id="ListTrackCallSubmissions")
    async def list_submissions(
        self,
        call_id: UUID,
        request: AnyRequest,
        calls: CallService,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[SubmissionPage]:
        """The inputs sent to a call, oldest first: stakeholder group, country, organisation, text and link,
        never who sent them. Public."""
        page = await calls.list_submissions(call_id, cursor=cursor, limit=limit)
        return cached(request, page)

    @post(
        "/calls/{call_id:uuid}/submissions",
        operation_id="SubmitToTrackCall",
        guards=[requires_authenticated, rate_limit("track-call-submissions", 20, 3600)],
        dependencies=WRITE,
    )
    async def submit(
        self, call_id: UUID, data: SubmissionCreate, request: AnyRequest, calls: CallService
    ) -> Submission:
        """Send input while the call is open: before it opens or after it closes is a 409."""
        return await calls.submit(call_id, data, actor=request.user)
