"""HTTP for exports, per Message and per year. The Messages' web pages are in ``pages.py``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get
from litestar.params import Parameter

from igf_hub.auth.principal import AnyRequest
from igf_hub.core import csvfile
from igf_hub.core.caching import cached
from igf_hub.core.params import Year
from igf_hub.core.providers import reader
from igf_hub.messages.export_service import (
    ExportService,
    MessageExport,
    YearExport,
    ballots_csv,
    comments_csv,
    message_markdown,
)

CSV = csvfile.MEDIA_TYPE
MARKDOWN = "text/markdown; charset=utf-8"


Bom = Annotated[bool, Parameter(description="Start with a UTF-8 byte order mark; `0` leaves it out.")]


def _download(request: AnyRequest, body: str, media: str, filename: str) -> Response[str]:
    # Litestar appends the charset to a text/* type itself: given it too, it would be sent twice.
    return cached(
        request,
        body,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        media_type=media.removesuffix("; charset=utf-8"),
    )


class ExportController(Controller):
    path = "/v1/messages"
    tags = ["IGF Messages: exports"]
    dependencies = {"exports": reader(ExportService)}

    @get("/{message_id:uuid}/exports/message.json", operation_id="ExportMessageJson")
    async def message_json(
        self, message_id: UUID, request: AnyRequest, exports: ExportService
    ) -> MessageExport:
        """The Message with every version, comment and disposition, ballot and history, and its provenance."""
        return await exports.bundle(message_id, actor=request.user)

    @get("/{message_id:uuid}/exports/message.md", operation_id="ExportMessageMarkdown", media_type=MARKDOWN)
    async def message_md(
        self, message_id: UUID, request: AnyRequest, exports: ExportService
    ) -> Response[str]:
        """The Message as a Markdown download. Readable by whoever may read the Message (404 otherwise)."""
        bundle = await exports.bundle(message_id, actor=request.user)
        return _download(request, message_markdown(bundle.message), MARKDOWN, f"igf-message-{message_id}.md")

    @get("/{message_id:uuid}/exports/comments.csv", operation_id="ExportMessageCommentsCsv", media_type=CSV)
    async def message_comments(
        self, message_id: UUID, request: AnyRequest, exports: ExportService, bom: Bom = True
    ) -> Response[str]:
        """The Message's comments and their dispositions as a CSV download (UTF-8 with a byte order mark
        unless ``?bom=0``). Readable by whoever may read the Message."""
        bundle = await exports.bundle(message_id, actor=request.user)
        return _download(
            request, comments_csv([bundle], bom=bom), CSV, f"igf-message-{message_id}-comments.csv"
        )

    @get("/{message_id:uuid}/exports/ballots.csv", operation_id="ExportMessageBallotsCsv", media_type=CSV)
    async def message_ballots(
        self, message_id: UUID, request: AnyRequest, exports: ExportService, bom: Bom = True
    ) -> Response[str]:
        """The Message's MAG ballots as a CSV download, one row per member and ballot with their position
        (UTF-8 with a byte order mark unless ``?bom=0``). Readable by whoever may read the Message."""
        bundle = await exports.bundle(message_id, actor=request.user)
        return _download(
            request, ballots_csv([bundle], bom=bom), CSV, f"igf-message-{message_id}-ballots.csv"
        )

    @get("/exports/{year:int}/messages.json", operation_id="ExportYearJson")
    async def year_json(self, year: Year, exports: ExportService) -> YearExport:
        """Every public Message of an IGF year, complete (as ``message.json``, one per Message)."""
        return await exports.year(year)

    @get("/exports/{year:int}/messages.md", operation_id="ExportYearMarkdown", media_type=MARKDOWN)
    async def year_md(self, year: Year, request: AnyRequest, exports: ExportService) -> Response[str]:
        """Every public Message of an IGF year as one Markdown download. Public."""
        bundle = await exports.year(year)
        body = f"# IGF {year} Messages\n\n" + "\n---\n\n".join(
            message_markdown(m.message) for m in bundle.messages
        )
        return _download(request, body, MARKDOWN, f"igf-{year}-messages.md")

    @get("/exports/{year:int}/comments.csv", operation_id="ExportYearCommentsCsv", media_type=CSV)
    async def year_comments(
        self, year: Year, request: AnyRequest, exports: ExportService, bom: Bom = True
    ) -> Response[str]:
        """The comments and dispositions on every public Message of an IGF year as one CSV download (byte
        order mark unless ``?bom=0``). Public."""
        return _download(
            request,
            comments_csv((await exports.year(year)).messages, bom=bom),
            CSV,
            f"igf-{year}-comments.csv",
        )

    @get("/exports/{year:int}/ballots.csv", operation_id="ExportYearBallotsCsv", media_type=CSV)
    async def year_ballots(
        self, year: Year, request: AnyRequest, exports: ExportService, bom: Bom = True
    ) -> Response[str]:
        """The MAG ballots on every public Message of an IGF year as one CSV download, one row per member and
        ballot (byte order mark unless ``?bom=0``). Public."""
        return _download(
            request, ballots_csv((await exports.year(year)).messages, bom=bom), CSV, f"igf-{year}-ballots.csv"
        )
