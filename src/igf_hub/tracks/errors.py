"""The tracks domain's refusals, each rendered as problem+json under /problems/<slug>."""

from __future__ import annotations

from igf_hub.core.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable


class TrackNotFound(NotFound):
    slug, title = "track-not-found", "No such track"


class TrackSlugTaken(Conflict):
    slug, title = "track-slug-taken", "A track with this slug already exists"


class TrackRulesNotMet(Unprocessable):
    slug, title = "track-rules-not-met", "The track does not meet the rules for its type"


class NotTrackManager(Forbidden):
    slug, title = "not-track-facilitator", "Only the Secretariat and this track's facilitators may do this"


class TrackNotOpen(Conflict):
    slug, title = "track-not-open", "The track is not open for this in its current status"


class MembershipClosed(Conflict):
    slug, title = "membership-closed", "This track does not take new participants"


class NotAParticipant(NotFound):
    slug, title = "not-a-participant", "You do not participate in this track"


class AlreadyFacilitator(Conflict):
    slug, title = "already-facilitator", "This user already facilitates the track"


class NotAFacilitator(NotFound):
    slug, title = "not-a-facilitator", "This user does not facilitate the track"


class AlreadyLiaison(Conflict):
    slug, title = "already-mag-liaison", "This MAG member is already a liaison of the track"


class NotALiaison(NotFound):
    slug, title = "not-a-mag-liaison", "This user is not a MAG liaison of the track"


class NotAMagMember(Unprocessable):
    slug, title = "not-a-mag-member", "MAG liaisons must be current MAG members"


class NotADynamicCoalition(NotFound):
    slug, title = "not-a-dynamic-coalition", "Standing applies to Dynamic Coalitions only"


class StandingNotMet(Conflict):
    slug, title = "standing-not-met", "The Dynamic Coalition does not meet the rule that made it inactive"


class OutputNotFound(NotFound):
    slug, title = "output-not-found", "No such track output"


class OutputImmutable(Conflict):
    slug, title = "output-immutable", "A published output never changes: publish a new version instead"


class OutputRulesNotMet(Unprocessable):
    slug, title = "output-rules-not-met", "The output cannot be saved as sent"


class PublicationBlocked(Conflict):
    slug, title = "publication-blocked", "The output cannot be published yet"


class DraftVersionExists(Conflict):
    slug, title = "draft-version-exists", "A newer draft of this output already exists"


class NotCurrentVersion(Conflict):
    slug, title = "not-current-version", "Only the current published version can get a new version"


class CommentWindowClosed(Conflict):
    slug, title = "comment-window-closed", "The output is not open for comments"


class CallNotFound(NotFound):
    slug, title = "call-not-found", "No such call for input"


class CallNotOpen(Conflict):
    slug, title = "call-not-open", "The call for input has not opened yet"


class CallClosed(Conflict):
    slug, title = "call-closed", "The call for input is closed"


class CallRulesNotMet(Unprocessable):
    slug, title = "call-rules-not-met", "The call for input's dates are not valid"


class TrackImportRejected(Unprocessable):
    slug, title = (
        "track-import-rejected",
        "The tracks were not imported: fix the rows listed and send them again",
    )


class UnsupportedImportType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "Send the import as CSV or JSON"
