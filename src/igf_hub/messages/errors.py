"""IGF Messages' domain errors (rendered as problem+json by app.py)."""

from __future__ import annotations

from collections.abc import Iterable

from igf_hub.core.errors import Conflict, Forbidden, NotFound, Unprocessable, state_name


class MessageNotFound(NotFound):
    slug, title = "message-not-found", "No such Message"


class SessionReportNotFound(NotFound):
    slug, title = "session-report-not-found", "No such session report"


class CommentNotFound(NotFound):
    slug, title = "comment-not-found", "No such comment"


class VersionNotFound(NotFound):
    slug, title = "version-not-found", "No such version"


class BallotNotFound(NotFound):
    slug, title = "ballot-not-found", "No ballot"


class NotADrafter(Forbidden):
    slug, title = "not-a-drafter", "Only the Secretariat and this Message's drafters may do this"


class NotEligibleToBallot(Forbidden):
    slug, title = (
        "not-eligible-to-ballot",
        "Only MAG members in the ballot's eligibility snapshot take positions",
    )


class WrongStateForAction(Conflict):
    """A change that is not a transition (saving a version, a disposition …) refused in the current state."""

    slug, title = "wrong-state", "Not possible in the Message's current state"

    def __init__(self, action: str, *, current: object, allowed_in: Iterable[object]) -> None:
        # States are named as a person reads them, never as a Python enum repr (core.errors.state_name).
        now = state_name(current)
        states = sorted(state_name(s) for s in allowed_in)
        super().__init__(
            f"cannot {action} while the Message is {now}; possible in: {', '.join(states)}",
            extra={"current_state": now, "allowed_in": states},
        )


class CommentPeriodClosed(Conflict):
    slug, title = "comment-period-closed", "The public comment period is not open"


class CommentAlreadyHidden(Conflict):
    slug, title = "comment-already-hidden", "The comment is already hidden"


class CommentPeriodStillOpen(Conflict):
    slug, title = "comment-period-open", "The public comment period cannot be closed early"


class UndisposedComments(Conflict):
    slug, title = "undisposed-comments", "Every comment needs a disposition first"


class BallotClosed(Conflict):
    slug, title = "ballot-closed", "The ballot is closed"


class BallotAlreadyOpen(Conflict):
    slug, title = "ballot-already-open", "A ballot is already open"


class PositionAlreadyTaken(Conflict):
    slug, title = "position-already-taken", "You have already taken a position in this ballot"


class BallotNotPassed(Conflict):
    slug, title = "ballot-not-passed", "The ballot has not passed"


class NoEligibleMembers(Conflict):
    slug, title = "no-eligible-members", "Nobody holds the MAG member role now"


class SupersessionConflict(Conflict):
    slug, title = "supersession-conflict", "These Messages cannot be linked as superseding each other"


class ReportConflict(Conflict):
    slug, title = "session-report-exists", "A session report with this reference exists"


class InvalidContent(Unprocessable):
    slug, title = "invalid-content", "The content breaks a rule"
