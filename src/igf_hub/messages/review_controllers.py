"""HTTP for public comment (comments and dispositions) and the MAG ballot."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, post, put

from igf_hub.auth.guards import requires_authenticated, requires_role
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.core import params
from igf_hub.core.caching import PRIVATE_HEADERS, cached
from igf_hub.core.concurrency import expected_version, written
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit
from igf_hub.core.providers import reader, writer
from igf_hub.core.ratelimit import rate_limit
from igf_hub.messages.ballot_schemas import Ballot, BallotOpen, PositionTake
from igf_hub.messages.ballot_service import BallotService
from igf_hub.messages.comment_repository import CommentFilters
from igf_hub.messages.comment_schemas import (
    Comment,
    CommentCreate,
    CommentHide,
    CommentPage,
    DispositionBulk,
    DispositionOutcome,
    DispositionSet,
)
from igf_hub.messages.comment_service import CommentService
from igf_hub.messages.params import Number, NumberFilter

COMMENTS_TX = {"comments": writer(CommentService)}
BALLOTS_TX = {"ballots": writer(BallotService)}


class CommentController(Controller):
    path = "/v1/messages/{message_id:uuid}/comments"
    tags = ["IGF Messages: public comment"]
    dependencies = {"comments": reader(CommentService)}

    @get("/", operation_id="ListMessageComments")
    async def list_comments(
        self,
        message_id: UUID,
        request: AnyRequest,
        comments: CommentService,
        round_number: NumberFilter = None,
        paragraph_id: str | None = None,
        disposition: DispositionOutcome | None = None,
        disposed: bool | None = None,
        mine: bool = False,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[CommentPage]:
        """Every comment with its disposition (how it was considered), oldest first."""
        filters = CommentFilters(
            round_number=round_number, paragraph_id=paragraph_id, disposition=disposition, disposed=disposed
        )
        page = await comments.page(
            message_id, actor=request.user, filters=filters, mine=mine, cursor=cursor, limit=limit
        )
        return cached(request, page, public=not mine)

    @post(
        "/",
        operation_id="PostMessageComment",
        dependencies=COMMENTS_TX,
        guards=[requires_authenticated, rate_limit("message-comments", 30, 3600)],
    )
    async def post_comment(
        self, message_id: UUID, data: CommentCreate, request: AnyRequest, comments: CommentService
    ) -> Response[Comment]:
        """Comment on the Message or one paragraph, while its comment period is open (any signed-in person)."""
        comment = await comments.post(message_id, data, actor=request.user)
        return written(comment, status_code=201, headers=PRIVATE_HEADERS)

    @get("/{comment_id:uuid}", operation_id="GetMessageComment")
    async def get_comment(
        self, message_id: UUID, comment_id: UUID, request: AnyRequest, comments: CommentService
    ) -> Response[Comment]:
        """One comment on the Message (stakeholder group, country, text and the drafters' disposition), with
        the ETag needed to record a disposition. Readable by whoever may read the Message."""
        comment = await comments.get(message_id, comment_id, actor=request.user)
        return cached(request, comment, version=comment.version)

    @put(
        "/{comment_id:uuid}/disposition",
        operation_id="SetCommentDisposition",
        guards=[requires_authenticated],
        dependencies=COMMENTS_TX,
    )
    async def set_disposition(
        self,
        message_id: UUID,
        comment_id: UUID,
        data: DispositionSet,
        request: AnyRequest,
        comments: CommentService,
    ) -> Response[Comment]:
        """The drafters' answer to a comment. Needs If-Match with the comment's ETag."""
        comment = await comments.dispose(
            message_id, comment_id, data, actor=request.user, expected_version=expected_version(request)
        )
        return written(comment, headers=PRIVATE_HEADERS)

    @post(
        "/{comment_id:uuid}/hide",
        operation_id="HideMessageComment",
        status_code=200,
        guards=[requires_authenticated],
        dependencies=COMMENTS_TX,
    )
    async def hide_comment(
        self,
        message_id: UUID,
        comment_id: UUID,
        data: CommentHide,
        request: AnyRequest,
        comments: CommentService,
    ) -> Response[Comment]:
        """Hide an abusive comment with a public ``reason`` (the Message's drafters and the Secretariat; needs
        If-Match with the comment's ETag). The comment stays in the record and still needs its disposition;
        everyone else reads the reason in its place, with an empty ``body``."""
        comment = await comments.hide(
            message_id, comment_id, data, actor=request.user, expected_version=expected_version(request)
        )
        return written(comment, headers=PRIVATE_HEADERS)

    @post(
        "/dispositions",
        operation_id="SetCommentDispositions",
        status_code=200,
        guards=[requires_authenticated],
        dependencies=COMMENTS_TX,
    )
    async def set_dispositions(
        self, message_id: UUID, data: DispositionBulk, request: AnyRequest, comments: CommentService
    ) -> Response[list[Comment]]:
        """One disposition for several comments at once (identical comments, typically): recorded for every
        listed comment or for none. Each comment is listed with the ``version`` it was read at (its ETag); one
        that changed since refuses the whole request with 412."""
        recorded = await comments.dispose_many(message_id, data, actor=request.user)
        return Response(recorded, headers=PRIVATE_HEADERS)


class BallotController(Controller):
    path = "/v1/messages/{message_id:uuid}"
    tags = ["IGF Messages: MAG ballot"]
    dependencies = {"ballots": reader(BallotService)}

    @get("/ballot", operation_id="GetMessageBallot")
    async def get_ballot(
        self, message_id: UUID, request: AnyRequest, ballots: BallotService
    ) -> Response[Ballot]:
        """The latest ballot: every position, and ``needed_to_pass`` as a sentence and as ``outcome`` JSON."""
        return cached(request, await ballots.current(message_id, actor=request.user), public=False)

    @get("/ballots", operation_id="ListMessageBallots")
    async def list_ballots(
        self, message_id: UUID, request: AnyRequest, ballots: BallotService
    ) -> list[Ballot]:
        """Every MAG ballot on the Message, first to latest, each with its members' positions and the outcome
        (the latest 200 at most). Readable by whoever may read the Message."""
        return await ballots.all(message_id, actor=request.user, latest=params.LATEST_SHOWN)

    @get("/ballots/{number:int}", operation_id="GetMessageBallotByNumber")
    async def get_ballot_by_number(
        self, message_id: UUID, number: Number, request: AnyRequest, ballots: BallotService
    ) -> Ballot:
        """One MAG ballot on the Message by its number (1 is the first), with every position and the outcome.
        404 when there is no such ballot."""
        return await ballots.current(message_id, actor=request.user, number=number)

    @post(
        "/ballots",
        operation_id="OpenMessageBallot",
        guards=[requires_role(Role.secretariat, Role.mag_member)],
        dependencies=BALLOTS_TX,
    )
    async def open_ballot(
        self, message_id: UUID, data: BallotOpen, request: AnyRequest, ballots: BallotService
    ) -> Ballot:
        """A new ballot on the current version, in MAG review (Chair or Secretariat); If-Match optional."""
        return await ballots.open_explicit(
            message_id, data, actor=request.user, expected_version=expected_version(request, required=False)
        )

    @post(
        "/ballot/positions",
        operation_id="TakeBallotPosition",
        guards=[requires_authenticated],
        dependencies=BALLOTS_TX,
    )
    async def take_position(
        self, message_id: UUID, data: PositionTake, request: AnyRequest, ballots: BallotService
    ) -> Ballot:
        """Your position in the open ballot (members of its eligibility snapshot only, once)."""
        return await ballots.take(message_id, data, actor=request.user)

    @put(
        "/ballot/positions/mine",
        operation_id="ChangeBallotPosition",
        guards=[requires_authenticated],
        dependencies=BALLOTS_TX,
    )
    async def change_position(
        self, message_id: UUID, data: PositionTake, request: AnyRequest, ballots: BallotService
    ) -> Ballot:
        """Change your position (e.g. withdraw a concern). If-Match: your position's ``revision``."""
        return await ballots.change(
            message_id, data, actor=request.user, expected_version=expected_version(request)
        )
