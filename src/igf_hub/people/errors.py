from __future__ import annotations

from igf_hub.core.errors import Conflict, DomainError, Forbidden, NotFound, TooManyRequests


class LinkNotFound(NotFound):
    """No such link: mistyped, forged, or its account is gone."""

    slug, title = "link-not-found", "This link is not valid"


class LinkUsed(Conflict):
    slug, title = "link-used", "This link has already been used"


class LinkExpired(DomainError):
    status, slug, title = 410, "link-expired", "This link has expired"


class TooManyRequestsForAddress(TooManyRequests):
    slug, title = (
        "too-many-requests-for-address",
        "Too many requests for this e-mail address; try again later",
    )


class InvitationNotFound(NotFound):
    slug, title = "invitation-not-found", "No such invitation"


class InvitationUsed(Conflict):
    slug, title = "invitation-used", "This invitation has already been accepted"


class InvitationRevoked(Conflict):
    slug, title = "invitation-revoked", "This invitation was withdrawn"


class InvitationExpired(DomainError):
    status, slug, title = 410, "invitation-expired", "This invitation has expired"


class NotYourInvitation(Forbidden):
    """The inviter may invite only to the roles and objects they hold (their own NRI, their own track)."""

    slug, title = "invitation-not-allowed", "You may not invite someone to this role"


class AccountDeleted(Conflict):
    slug, title = "account-deleted", "This account was deleted"
