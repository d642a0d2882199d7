"""IGF Messages: session reports, drafting with immutable versions, public comment, synthesis, the MAG ballot,
approval and publication. Exports its controllers only."""

from __future__ import annotations

from igf_hub.messages.controllers import MessageController
from igf_hub.messages.export_controllers import ExportController
from igf_hub.messages.report_controllers import SessionReportController
from igf_hub.messages.review_controllers import BallotController, CommentController

MESSAGE_CONTROLLERS = [
    MessageController,
    CommentController,
    BallotController,
    SessionReportController,
    ExportController,
]

__all__ = ["MESSAGE_CONTROLLERS"]
