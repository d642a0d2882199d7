"""Accounts people make themselves: sign-up, e-mail verification, password reset.

- **One-time links.** A link holds 32 random bytes (``secrets.token_urlsafe``); the database keeps their SHA-256
  only, with the purpose, the account, the address it was sent to, when it expires and when it was used. A link
  cannot be forged (there is nothing to sign: a guess must hit a stored hash), is used once (the row is locked
  and marked used in the transaction that acts on it), expires, is void when a newer one of its purpose was sent
  or the account's address changed. A refused link says which of these it was, and offers a new one.
- **No account enumeration.** Sign-up and "forgot my password" answer the same whether the address has an account
  or not, after the same work (an argon2 hash either way): an address that has an account is mailed "you already
  have an account" (sign-up) or a reset link; one that has none is mailed a verification link (sign-up) or
  nothing (reset).
- Everything is audited (``user.signed_up``, ``user.email_verified``, ``user.password_reset_requested``,
  ``user.password_reset``), without events: accounts are not an event family.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID

import anyio.to_thread
import asyncpg
import msgspec

from igf_hub.auth import password_rules, passwords
from igf_hub.auth.principal import Principal, PrincipalKind
from igf_hub.auth.service import IdentityService
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.people import account_notices
from igf_hub.people.account_repository import AccountRepository, Link, Profile
from igf_hub.people.errors import LinkExpired, LinkNotFound, LinkUsed
from igf_hub.web.sessions_repository import SessionRepository

VERIFY, RESET = "verify_email", "reset_password"
EXPORT_AUDIT_LIMIT = 10_000
PATHS = {VERIFY: "/verify-email", RESET: "/password-reset"}


class SignUp(msgspec.Struct, kw_only=True):
    email: str
    display_name: str
    language: str
    password: str
    stakeholder_group: str | None = None
    country: str | None = None


def _person(user_id: UUID) -> Principal:
    return Principal(kind=PrincipalKind.user, subject=f"user:{user_id}", user_id=user_id)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """(token for the link, its hash for the database)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


class AccountService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn, self.clock, self.settings = conn, clock, settings
        self.repo = AccountRepository(conn)
        self.identity = IdentityService(conn, clock, settings)

    async def sign_up(self, data: SignUp) -> None:
        """Create an unverified account and mail its verification link, or mail the address's owner that they
        already have one. PasswordRefused when the password breaks a rule (the same either way)."""
        password_rules.check(data.password, email=data.email, name=data.display_name)
        password_hash = await anyio.to_thread.run_sync(passwords.hash_secret, data.password)
        profile = await self.repo.insert_signup(
            email=data.email,
            display_name=data.display_name,
            password_hash=password_hash,
            language=data.language,
            stakeholder_group=data.stakeholder_group,
            country=data.country,
        )
        if profile is None:
            existing = await self.repo.profile_by_email(data.email)
            await account_notices.send(
                self.conn,
                self.clock,
                account_notices.ALREADY_REGISTERED,
                email=data.email,
                language=existing.preferred_language if existing else data.language,
                link="/password-reset",
                key=f"account.already_registered:{secrets.token_hex(16)}",
            )
            return
        await changelog.record(
            self.conn,
            "user.signed_up",
            actor=f"user:{profile.id}",
            subject_type="user",
            subject_id=profile.id,
            data={"language": profile.preferred_language},
            publish=False,  # accounts are not an event family
        )
        await self._send_link(profile, VERIFY)

    async def resend_verification(self, email: str, language: str) -> None:
        """A new verification link, if ``email`` has an account waiting for one (nothing said either way)."""
        profile = await self.repo.profile_by_email(email)
        if profile is not None and profile.is_active and profile.email_verified_at is None:
            await self._send_link(profile, VERIFY)

    async def check_link(self, token: str, purpose: str) -> Link:
        """The link if it may be used now; LinkNotFound, LinkUsed or LinkExpired saying why not."""
        link = await self.repo.link(token_hash(token), purpose)
        if link is None or link.current_email.casefold() != link.email.casefold():
            raise LinkNotFound("this link is not valid: check that it was copied whole, or ask for a new one")
        if link.used_at is not None:
            raise LinkUsed("this link has already been used (or a newer one was sent): ask for a new one")
        if self.clock.now() >= link.expires_at:
            raise LinkExpired("this link has expired: ask for a new one")
        return link

    async def confirm_email(self, token: str) -> Profile:
        """Follow a verification link: the address is confirmed and the person may sign in."""
        link = await self.check_link(token, VERIFY)
        now = self.clock.now()
        await self.repo.use_link(link.id, now)
        await self._forget_link(token, VERIFY, link.email)
        await self.repo.mark_verified(link.user_id, now)
        await changelog.record(
            self.conn,
            "user.email_verified",
            actor=f"user:{link.user_id}",
            subject_type="user",
            subject_id=link.user_id,
            data={"email": link.email},
            publish=False,  # accounts are not an event family
        )
        return await self._profile(link.user_id)

    async def request_reset(self, email: str, language: str) -> None:
        """Mail a reset link if ``email`` has an active account; nothing is said either way. Costs one argon2
        hash whether or not, so the time taken says nothing either."""
        profile = await self.repo.profile_by_email(email)
        if profile is None or not profile.is_active:
            await anyio.to_thread.run_sync(passwords.hash_secret, "igf-hub-equal-work")
            return
        await anyio.to_thread.run_sync(passwords.hash_secret, "igf-hub-equal-work")
        await changelog.record(
            self.conn,
            "user.password_reset_requested",
            actor="anonymous",
            subject_type="user",
            subject_id=profile.id,
            data={},
            publish=False,  # a security record
        )
        await self._send_link(profile, RESET)

    async def reset_password(self, token: str, password: str) -> Profile:
        """Follow a reset link with a new password: set, the link used, every session and API refresh token of
        the person ended, the person told. PasswordRefused leaves the link unused (they may try again)."""
        link = await self.check_link(token, RESET)
        profile = await self._profile(link.user_id)
        password_rules.check(password, email=profile.email, name=profile.display_name)
        now = self.clock.now()
        await self.identity.set_password(link.user_id, password)
        await self.repo.use_link(link.id, now)
        await self._forget_link(token, RESET, link.email)
        await self.repo.mark_verified(link.user_id, now)  # the link proved the address too
        sessions = await SessionRepository(self.conn).delete_for_user(link.user_id)
        actor = f"user:{link.user_id}"
        await self.identity.revoke_refresh_tokens(link.user_id, actor=actor)
        await changelog.record(
            self.conn,
            "user.password_reset",
            actor=actor,
            subject_type="user",
            subject_id=link.user_id,
            data={"sessions_ended": sessions},
            publish=False,  # a security record
        )
        await account_notices.send(
            self.conn,
            self.clock,
            account_notices.PASSWORD_CHANGED,
            email=profile.email,
            language=profile.preferred_language,
            link="/password-reset",
            key=f"account.password_changed:{link.id}",
        )
        return profile

    async def export(self, user_id: UUID) -> dict[str, Any]:
        """Everything igf_hub keeps about the person, as they may download it (never a secret: no password hash,
        no session or token values)."""
        profile = await self._profile(user_id)
        user = await self.identity.get_user(user_id)
        return {
            "format": "igf-hub account export 1",
            "exported_at": self.clock.now(),
            "account": msgspec.to_builtins(profile),
            "roles": msgspec.to_builtins(user.grants),
            "sessions": await SessionRepository(self.conn).list_for_user(user_id),
            "connected_programs": await self.identity.connected_clients(user_id),
            "invitations": await self.repo.invitations_of(user_id),
            "activity": await self.repo.audit_of(user_id, EXPORT_AUDIT_LIMIT),
        }

    async def delete(self, user_id: UUID, password: str, *, keep_name: bool) -> bool:
        """Delete the person's account if ``password`` is theirs: nothing personal stays in it, it can no longer sign
        in, its roles, sessions and programs' access end. What the person made public stays (their comments on
        Messages, under the name they chose to publish with it, only if ``keep_name``): the event
        ``user.deleted`` (never sent to consumers) lets the domains that hold it say so. False for a wrong
        password."""
        profile = await self._profile(user_id)
        if not await self.identity.authenticate(profile.email, password):
            return False
        actor = f"user:{user_id}"
        for grant in (await self.identity.get_user(user_id)).grants:
            await self.identity.revoke_grant(user_id, grant.id, actor=_person(user_id))
        await self.identity.revoke_refresh_tokens(user_id, actor=actor)
        sessions = await SessionRepository(self.conn).delete_for_user(user_id)
        await self.repo.erase(user_id, f"deleted-{user_id}@deleted.invalid", self.clock.now())
        await changelog.record(
            self.conn,
            "user.deleted",
            actor=actor,
            subject_type="user",
            subject_id=user_id,
            data={"sessions_ended": sessions, "keep_name": keep_name},
            event_data={"user_id": str(user_id), "keep_name": keep_name},
            public=False,  # not for consumers: for the domains that keep what the person made public
        )
        return True

    async def _forget_link(self, token: str, purpose: str, email: str) -> None:
        """The notice that carried a used link keeps its path no longer: the token leaves the database."""
        key = f"account.{purpose}:{token_hash(token)[:32]}"
        await self.repo.forget_notice_link(account_notices.notice_key(key, email))

    async def _profile(self, user_id: UUID) -> Profile:
        profile = await self.repo.profile(user_id)
        if profile is None:
            raise LinkNotFound("this link is not valid")
        return profile

    async def _send_link(self, profile: Profile, purpose: str) -> None:
        token, hashed = new_token()
        now = self.clock.now()
        people = self.settings.people
        ttl = people.verification_link_ttl if purpose == VERIFY else people.reset_link_ttl
        await self.repo.insert_link(
            token_hash=hashed,
            purpose=purpose,
            user_id=profile.id,
            email=profile.email,
            now=now,
            expires_at=now + timedelta(seconds=ttl),
        )
        await account_notices.send(
            self.conn,
            self.clock,
            account_notices.VERIFY_EMAIL if purpose == VERIFY else account_notices.RESET_PASSWORD,
            email=profile.email,
            language=profile.preferred_language,
            link=f"{PATHS[purpose]}/{token}",
            params={"hours": max(ttl // 3600, 1)},
            key=f"account.{purpose}:{hashed[:32]}",
        )
