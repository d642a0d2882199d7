from __future__ import annotations

from igf_hub.core.errors import Conflict, Forbidden, NotFound, TooManyRequests


class UserAlreadyExists(Conflict):
    slug, title = "user-already-exists", "A user with this e-mail already exists"


class UserNotFound(NotFound):
    slug, title = "user-not-found", "No such user"


class GrantNotFound(NotFound):
    slug, title = "grant-not-found", "No such role grant"


class GrantAlreadyExists(Conflict):
    slug, title = "grant-already-exists", "This role is already granted"


class TooManySignInFailures(TooManyRequests):
    slug, title = "too-many-sign-in-failures", "Too many failed sign-ins; try again later"


class AccountLockedOut(TooManySignInFailures):
    slug, title = "account-locked-out", "This account is locked after too many failed sign-ins"
    newly_locked = False  # this attempt crossed the limit (the lock-out is recorded once)


class EmailNotVerified(Forbidden):
    slug, title = "email-not-verified", "This e-mail address is not confirmed yet"
