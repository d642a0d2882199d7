"""Identity rules: users, machine clients, role grants, and the Principal of a request."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import anyio.to_thread
import asyncpg
import msgspec
from arq.connections import ArqRedis

from igf_hub.auth import keys, password_rules, passwords, throttle
from igf_hub.auth.errors import (
    AccountLockedOut,
    EmailNotVerified,
    GrantAlreadyExists,
    GrantNotFound,
    UserAlreadyExists,
    UserNotFound,
)
from igf_hub.auth.principal import API_SCOPE, Grant, Principal, PrincipalKind, Role
from igf_hub.auth.repository import IdentityRepository
from igf_hub.auth.schemas import (
    ClientCreate,
    ClientCreated,
    GrantCreate,
    Holding,
    RoleGrant,
    User,
    UserCreate,
)
from igf_hub.auth.server import AccessTokenGenerator, OAuthClient, OAuthUser
from igf_hub.auth.throttle import SignInThrottle
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.errors import Forbidden
from igf_hub.core.settings import Settings

BOOTSTRAP_ADMIN_EMAIL = "admin@igf-hub.local"
CONSOLE_CLIENT_ID = "igf-hub-console"
DEFAULT_SCOPE = API_SCOPE


def _principal_grants(rows: Iterable[asyncpg.Record]) -> tuple[Grant, ...]:
    return tuple(
        Grant(role=Role(r["role"]), resource_id=r["resource_id"], is_chair=r["is_chair"])
        for r in rows
        if r["role"] is not None
    )


class IdentityService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.settings = settings
        self.repo = IdentityRepository(conn)

    # -- principals ----------------------------------------------------------------------------------

    async def user_principal(
        self, user_id: UUID, *, scopes: frozenset[str] = frozenset()
    ) -> Principal | None:
        rows = await self.repo.user_principal_rows(user_id, self.clock.now())
        if not rows:
            return None  # unknown or deactivated
        return Principal(
            kind=PrincipalKind.user,
            subject=f"user:{user_id}",
            user_id=user_id,
            email=rows[0]["email"],
            display_name=rows[0]["display_name"],
            scopes=scopes,
            grants=_principal_grants(rows),
        )

    async def client_principal(
        self, client_id: str, *, scopes: frozenset[str] = frozenset()
    ) -> Principal | None:
        rows = await self.repo.client_principal_rows(client_id, self.clock.now())
        if not rows:
            return None
        return Principal(
            kind=PrincipalKind.client,
            subject=f"client:{client_id}",
            client_id=client_id,
            scopes=scopes,
            grants=_principal_grants(rows),
        )

    async def holders_of(self, role: Role, at: datetime | None = None) -> list[UUID]:
        """Active users holding ``role`` at ``at`` (default now): e.g. the MAG members eligible to ballot."""
        return await self.repo.holders_of(role.value, at or self.clock.now())

    async def bound_holders(self, role: Role, resource_id: UUID, at: datetime | None = None) -> list[User]:
        """Active users holding ``role`` bound to one object (e.g. the coordinators of an NRI), by e-mail."""
        return await self.repo.bound_holders(role.value, resource_id, at or self.clock.now())

    # -- users ---------------------------------------------------------------------------------------

    async def create_user(self, data: UserCreate, *, actor: Principal) -> User:
        if data.password is not None:  # the rules of every new password (auth/password_rules.py)
            password_rules.check(data.password, email=data.email, name=data.display_name)
        password_hash = passwords.hash_secret(data.password) if data.password else None
        try:
            user = await self.repo.insert_user(data.email, data.display_name, password_hash)
        except asyncpg.UniqueViolationError:
            raise UserAlreadyExists(f"{data.email} is already registered") from None
        for grant in data.grants:
            user.grants.append(await self._grant(user_id=user.id, client_id=None, grant=grant))
        await changelog.record(
            self.conn,
            "user.created",
            actor=actor.subject,
            subject_type="user",
            subject_id=user.id,
            data={"email": user.email, "grants": user.grants},
            publish=False,  # accounts are not an event family: no domain or consumer subscribes to them
        )
        return user

    async def set_password(self, user_id: UUID, password: str) -> None:
        """A new password (the rules of auth/password_rules.py); the caller records why (reset, change)."""
        user = await self.get_user(user_id)
        password_rules.check(password, email=user.email, name=user.display_name)
        password_hash = await anyio.to_thread.run_sync(passwords.hash_secret, password)
        if not await self.repo.set_password_hash(user_id, password_hash, self.clock.now()):
            raise UserNotFound(f"no active user {user_id}")

    async def revoke_refresh_tokens(self, user_id: UUID, *, actor: str) -> int:
        """End every API client's hold on a person (their refresh tokens); audited; how many were live."""
        revoked = await self.repo.revoke_user_refresh_tokens(user_id, self.clock.now())
        await changelog.record(
            self.conn,
            "user.refresh_tokens_revoked",
            actor=actor,
            subject_type="user",
            subject_id=user_id,
            data={"revoked": revoked},
            publish=False,  # a security record, not a change others act on
        )
        return revoked

    async def connected_clients(self, user_id: UUID) -> list[dict[str, object]]:
        """The programs a person signed in to that can still act for them (a live refresh token)."""
        return await self.repo.connected_clients(user_id, self.clock.now())

    async def disconnect_client(self, user_id: UUID, client_id: str) -> int:
        """End one program's hold on a person (its refresh tokens); audited; how many were live."""
        revoked = await self.repo.revoke_user_client(user_id, client_id, self.clock.now())
        await changelog.record(
            self.conn,
            "user.client_disconnected",
            actor=f"user:{user_id}",
            subject_type="user",
            subject_id=user_id,
            data={"client_id": client_id, "revoked": revoked},
            publish=False,  # a security record, not a change others act on
        )
        return revoked

    async def get_user(self, user_id: UUID) -> User:
        user = await self.repo.get_user(user_id)
        if user is None:
            raise UserNotFound(f"no user {user_id}")
        user.grants = await self.repo.grants_of(user_id)
        return user

    async def record_sign_in_lockout(self, email: str, settings: Settings) -> None:
        """An account just got locked out by failed sign-ins: audited, so the Secretariat can see it."""
        user = await self.find_user_by_email(email)
        if user is not None:  # an unknown e-mail is throttled all the same, but there is no one to record
            await changelog.record(
                self.conn,
                "user.sign_in_locked_out",
                actor="anonymous",
                subject_type="user",
                subject_id=user.id,
                data={
                    "failed_sign_ins": settings.auth.signin_account_max_failures,
                    "seconds": settings.auth.signin_account_window,
                },
                publish=False,  # a security record for the Secretariat, not a change others act on
            )

    async def lift_sign_in_lockout(
        self, user_id: UUID, redis: ArqRedis, settings: Settings, *, actor: Principal
    ) -> bool:
        """Clear the account's failed sign-ins (every address); whether it was locked out. Audited either way."""
        user = await self.get_user(user_id)
        was_locked = await throttle.lift_lockout(redis, settings, user.email)
        await changelog.record(
            self.conn,
            "user.sign_in_lockout_lifted",
            actor=actor.subject,
            subject_type="user",
            subject_id=user.id,
            data={"was_locked_out": was_locked},
            publish=False,  # a security record for the Secretariat, not a change others act on
        )
        return was_locked

    async def sign_in(
        self,
        email: str,
        password: str,
        *,
        throttle: SignInThrottle,
        settings: Settings,
        data: dict[str, object],
        complete: bool = True,
    ) -> User | None:
        """The one password sign-in, for the OAuth login and the web's: throttled, lock-out audited, success
        audited as ``user.signed_in`` with ``data``. None for a wrong e-mail or password; TooManySignInFailures
        (AccountLockedOut), with Retry-After, past a limit (even with the right password). ``complete=False``:
        the password is right but a second factor is still to come, so nothing is audited yet (the caller
        calls ``signed_in`` after it)."""
        if not (email and password):
            return None
        try:
            # Counted before the password is checked: parallel guesses cannot race the count.
            await throttle.attempt()
        except AccountLockedOut as exc:
            if exc.newly_locked:
                await self.record_sign_in_lockout(email, settings)
            raise
        user = await self.authenticate(email, password)
        if user is None:
            return None
        await throttle.succeeded()
        if not await self.repo.email_verified(user.id):
            # The right password, but the address was never confirmed (people/: sign-up): no session, no token.
            raise EmailNotVerified("confirm your e-mail address first: follow the link we sent to it")
        if complete:
            await self.signed_in(user.id, data)
        return user

    async def signed_in(self, user_id: UUID, data: dict[str, object]) -> None:
        """Audit a completed sign-in (after the password, and the second factor if the person has one)."""
        await changelog.record(
            self.conn,
            "user.signed_in",
            actor=f"user:{user_id}",
            subject_type="user",
            subject_id=user_id,
            data=data,
            publish=False,  # a security record, not a change others act on
        )

    async def find_user_by_email(self, email: str) -> User | None:
        found = await self.repo.user_for_signin(email)
        return found[0] if found else None

    async def authenticate(self, email: str, password: str) -> User | None:
        """The user if the password is right and the account active; constant work either way."""
        found = await self.repo.user_for_signin(email)
        user, stored = found if found else (None, None)
        # argon2 is deliberately slow: verify off the event loop.
        ok = await anyio.to_thread.run_sync(passwords.verify_secret, stored, password)
        return user if ok and user is not None and user.is_active else None

    async def bootstrap_admin(self) -> tuple[str, str] | None:
        """On an empty database, create the first Secretariat admin; returns (email, password) once. Run in a
        transaction: API processes starting together on a fresh database (two replicas) take turns, and the
        second finds the first one's admin instead of failing on its e-mail address."""
        await self.repo.lock_bootstrap()
        if await self.repo.count_users() > 0:
            return None
        password = secrets.token_urlsafe(18)
        await self.create_user(
            UserCreate(
                email=BOOTSTRAP_ADMIN_EMAIL,
                display_name="Bootstrap Secretariat admin",
                password=password,
                grants=[GrantCreate(role=Role.secretariat)],
            ),
            actor=Principal(kind=PrincipalKind.client, subject="system:bootstrap"),
        )
        return BOOTSTRAP_ADMIN_EMAIL, password

    async def ensure_console_client(self, base_url: str) -> None:
        """The built-in public client behind /signin, redirecting to wherever this instance is served."""
        await self.repo.upsert_public_client(
            CONSOLE_CLIENT_ID, "igf_hub console", [f"{base_url}/signin/callback"]
        )

    async def developer_token(self, user_id: UUID, settings: Settings) -> tuple[str, int]:
        """An API access token for a signed-in person, from the developer access page: the token the console
        client's authorization-code flow would give (same client, scope and lifetime); audited. (token, seconds)."""
        key_set = await keys.private_key_set(self.conn, keys.vault_for(settings))
        row = await self.repo.client_for_auth(CONSOLE_CLIENT_ID)
        if row is None:
            raise RuntimeError("the console client is missing (services_lifespan creates it)")
        generator = AccessTokenGenerator(settings, key_set, self.clock)
        token = generator.access_token_generator(
            OAuthClient(row), "authorization_code", OAuthUser(user_id), API_SCOPE
        )
        await changelog.record(
            self.conn,
            "user.access_token_created",
            actor=f"user:{user_id}",
            subject_type="user",
            subject_id=user_id,
            data={"client_id": CONSOLE_CLIENT_ID, "expires_in": settings.auth.access_token_ttl},
            publish=False,  # a security record, not a change others act on
        )
        return token, settings.auth.access_token_ttl

    # -- grants --------------------------------------------------------------------------------------

    async def _grant(
        self, *, user_id: UUID | None, client_id: UUID | None, grant: GrantCreate, source: str = "manual"
    ) -> RoleGrant:
        try:
            async with self.conn.transaction():  # a savepoint: a duplicate leaves the outer work intact
                return await self.repo.insert_grant(
                    user_id=user_id, client_id=client_id, grant=grant, source=source
                )
        except asyncpg.UniqueViolationError:
            raise GrantAlreadyExists(f"{grant.role} is already granted for this object") from None
        except asyncpg.ForeignKeyViolationError:
            raise UserNotFound("no such user or client") from None

    async def grant_role(
        self, holder_id: UUID, grant: GrantCreate, *, actor: Principal, source: str = "manual"
    ) -> RoleGrant:
        """Give a user (or a client, by its row id) a role; domains use this to bind coordinators etc."""
        is_user = await self.repo.get_user(holder_id) is not None
        created = await self._grant(
            user_id=holder_id if is_user else None,
            client_id=None if is_user else holder_id,
            grant=grant,
            source=source,
        )
        await changelog.record(
            self.conn,
            "role.granted",
            actor=actor.subject,
            subject_type="user" if is_user else "client",
            subject_id=holder_id,
            data=created,
            publish=False,  # accounts are not an event family (a domain's own event says what the role is for)
        )
        return created

    async def holdings(self, *, actor: Principal, limit: int = 2000) -> list[Holding]:
        """Who holds which role, for what and for when (the Secretariat only)."""
        if not actor.has_role(Role.secretariat):
            raise Forbidden("the Secretariat sees who holds which role")
        return [msgspec.convert(dict(r), Holding) for r in await self.repo.holdings(limit)]

    async def revoke_grant(self, holder_id: UUID, grant_id: UUID, *, actor: Principal) -> None:
        if not await self.repo.delete_grant(grant_id, holder_id):
            raise GrantNotFound(f"no grant {grant_id} for {holder_id}")
        await changelog.record(
            self.conn,
            "role.revoked",
            actor=actor.subject,
            subject_type="grant",
            subject_id=grant_id,
            data={"holder_id": holder_id},
            publish=False,  # accounts are not an event family (a domain's own event says what the role is for)
        )

    # -- machine clients -----------------------------------------------------------------------------

    async def create_client(self, data: ClientCreate, *, actor: Principal) -> ClientCreated:
        client_id = f"igfc_{secrets.token_urlsafe(12)}"
        if data.public:
            secret, secret_hash = None, None
            grant_types, method = ["authorization_code", "refresh_token"], "none"
        else:
            secret = f"igfs_{secrets.token_urlsafe(32)}"
            secret_hash = passwords.hash_secret(secret)
            grant_types = ["client_credentials"]
            method = "client_secret_basic"
            if data.redirect_uris:
                grant_types += ["authorization_code", "refresh_token"]
        client = await self.repo.insert_client(
            client_id=client_id,
            secret_hash=secret_hash,
            name=data.name,
            redirect_uris=list(data.redirect_uris),
            grant_types=grant_types,
            auth_method=method,
            scope=DEFAULT_SCOPE,
        )
        grants = [await self._grant(user_id=None, client_id=client.id, grant=g) for g in data.grants]
        await changelog.record(
            self.conn,
            "client.created",
            actor=actor.subject,
            subject_type="client",
            subject_id=client.client_id,
            data={"name": client.name, "grant_types": grant_types, "grants": grants},
            publish=False,  # accounts are not an event family: no domain or consumer subscribes to them
        )
        return ClientCreated(**(msgspec.structs.asdict(client) | {"grants": grants}), client_secret=secret)
