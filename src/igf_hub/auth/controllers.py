"""HTTP for identity: the OAuth 2 endpoints, discovery, the OAuth login page and user/client administration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import anyio.to_thread
import asyncpg
import msgspec
from arq.connections import ArqRedis
from authlib.oauth2 import OAuth2Error
from joserfc.jwk import KeySet
from litestar import Controller, Request, Response, delete, get, post
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec

from igf_hub.auth import keys, login
from igf_hub.auth.errors import AccountLockedOut, EmailNotVerified, TooManySignInFailures
from igf_hub.auth.guards import requires_authenticated, requires_secretariat
from igf_hub.auth.principal import AnyRequest
from igf_hub.auth.schemas import ClientCreate, ClientCreated, GrantCreate, Me, RoleGrant, User, UserCreate
from igf_hub.auth.server import FormRequest, IgfAuthorizationServer, OAuthUser
from igf_hub.auth.service import IdentityService
from igf_hub.auth.throttle import SignInThrottle, second_factor_throttle
from igf_hub.auth.twofactor_pages import ENTER_CODE, REFUSALS, SET_UP_FIRST, SIGN_IN_TOO_LONG
from igf_hub.auth.twofactor_service import Outcome, TwoFactorService, required_for
from igf_hub.core.caching import PUBLIC_HOUR, PUBLIC_MINUTE
from igf_hub.core.clock import Clock
from igf_hub.core.providers import reader, writer
from igf_hub.core.security_headers import PAGE_CSP, page_headers
from igf_hub.core.settings import Settings
from igf_hub.web import csrf

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _form_dict(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _server(conn: asyncpg.Connection, settings: Settings, clock: Clock, key_set: KeySet | None = None) -> Any:
    return IgfAuthorizationServer(conn=conn, settings=settings, clock=clock, keys=key_set or KeySet([]))


def _html(
    body: str, status: int = 200, headers: dict[str, str] | None = None, csp: str = PAGE_CSP
) -> Response[str]:
    return Response(
        body,
        status_code=status,
        media_type=MediaType.HTML,
        headers={**NO_STORE, **page_headers(csp), **(headers or {})},
    )


class OAuthError(msgspec.Struct, kw_only=True):
    """An RFC 6749 section 5.2 error, as OAuth clients expect it (not problem+json)."""

    error: str
    error_description: str | None = None


TOKEN_ERRORS = {
    400: ResponseSpec(
        data_container=OAuthError,
        description="The request is refused: `invalid_request`, `invalid_grant`, `unsupported_grant_type`, "
        "`invalid_scope` (RFC 6749 section 5.2)",
        generate_examples=False,
    ),
    401: ResponseSpec(
        data_container=OAuthError,
        description="The client could not be authenticated: `invalid_client`",
        generate_examples=False,
    ),
}


class OAuthController(Controller):
    path = "/oauth"
    tags = ["Identity"]

    @post(
        "/token",
        operation_id="IssueToken",
        status_code=200,
        summary="OAuth 2 token endpoint (RFC 6749)",
        responses=TOKEN_ERRORS,
    )
    async def token(
        self, request: Request[Any, Any, Any], tx: asyncpg.Connection, settings: Settings, clock: Clock
    ) -> Response[Any]:
        """client_credentials (HTTP Basic or form post), authorization_code with PKCE, refresh_token.
        Errors follow RFC 6749 section 5.2 (`{"error": ...}`), as OAuth clients expect."""
        data = _form_dict(await request.form())
        server = _server(tx, settings, clock, await keys.private_key_set(tx, keys.vault_for(settings)))
        oauth_request = FormRequest("POST", f"{settings.base_url}/oauth/token", request.headers, data)
        status, body, headers = await anyio.to_thread.run_sync(server.create_token_response, oauth_request)
        return Response(
            body, status_code=status, headers={**dict(headers), **NO_STORE}, media_type=MediaType.JSON
        )

    @get("/authorize", operation_id="ShowSignIn", include_in_schema=False)
    async def show_signin(
        self, request: Request[Any, Any, Any], db: asyncpg.Connection, settings: Settings, clock: Clock
    ) -> Response[str]:
        params = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
        try:
            _, grant = await self._validated(db, settings, clock, "GET", request, params)
        except OAuth2Error as exc:
            return _html(login.error_page(exc.description or exc.error), 400)
        return _html(login.signin_form(params, client_name=grant.client.name))

    @post(
        "/authorize",
        operation_id="SignIn",
        include_in_schema=False,
        status_code=302,
        opt=csrf.exempt(
            "the OAuth login of API clients, which post it without a browser session; the client's state and "
            "PKCE verifier bind the code to the client that started the flow"
        ),
    )
    async def signin(
        self,
        request: Request[Any, Any, Any],
        tx: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        queue: ArqRedis,
    ) -> Response[str]:
        data = _form_dict(await request.form())
        email, password = data.pop("email", "").strip(), data.pop("password", "")
        challenge = data.pop("challenge", "")
        params = {k: data[k] for k in login.OAUTH_FIELDS if k in data}
        try:
            server, grant = await self._validated(tx, settings, clock, "POST", request, params)
        except OAuth2Error as exc:
            return _html(login.error_page(exc.description or exc.error), 400)
        if challenge:
            return await self._second_factor(
                request, tx, settings, clock, queue, server, grant, params, challenge, data.get("code", "")
            )
        throttle = SignInThrottle(queue, settings, email, request.client.host if request.client else "")
        identity = IdentityService(tx, clock, settings)
        try:
            user = await identity.sign_in(
                email,
                password,
                throttle=throttle,
                settings=settings,
                data={"client_id": grant.client.client_id},
                complete=False,
            )
        except TooManySignInFailures as exc:
            page = login.signin_form(params, client_name=grant.client.name, error=exc.detail, email=email)
            return _html(page, 429, exc.headers)
        except EmailNotVerified:
            error = "Confirm your e-mail address first: follow the link we sent to it when you signed up."
            return _html(
                login.signin_form(params, client_name=grant.client.name, error=error, email=email), 403
            )
        if user is None:
            page = login.signin_form(
                params, client_name=grant.client.name, error="Wrong e-mail or password.", email=email
            )
            return _html(page, 401)
        two_factor = TwoFactorService(tx, clock, settings)
        if await two_factor.is_enabled(user.id):  # no code for the client until the second factor is passed
            value = await two_factor.begin(user.id)
            return _html(login.second_factor_form(params, client_name=grant.client.name, challenge=value))
        principal = await identity.user_principal(user.id)
        if principal is not None and required_for(principal):
            return _html(login.error_page(SET_UP_FIRST), 403)
        await identity.signed_in(user.id, {"client_id": grant.client.client_id})
        return await self._authorized(server, grant, user.id)

    @staticmethod
    async def _authorized(server: Any, grant: Any, user_id: UUID) -> Response[str]:
        status, _, headers = await anyio.to_thread.run_sync(
            server.create_authorization_response, grant.request, OAuthUser(user_id), grant
        )
        return Response("", status_code=status, headers={**dict(headers), **NO_STORE})

    async def _second_factor(
        self,
        request: Request[Any, Any, Any],
        tx: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        queue: ArqRedis,
        server: Any,
        grant: Any,
        params: dict[str, str],
        value: str,
        code: str,
    ) -> Response[str]:
        """The OAuth login's second step: a TOTP or recovery code, throttled like the web's."""
        two_factor = TwoFactorService(tx, clock, settings)
        identity = IdentityService(tx, clock, settings)
        client_name = grant.client.name
        challenge = await two_factor.challenge(value)
        if challenge is None:
            return _html(login.signin_form(params, client_name=client_name, error=SIGN_IN_TOO_LONG), 401)
        user = await identity.get_user(challenge.user_id)
        address = request.client.host if request.client else ""
        throttle = second_factor_throttle(queue, settings, user.email, address)
        try:
            await throttle.attempt()
        except TooManySignInFailures as exc:
            if isinstance(exc, AccountLockedOut) and exc.newly_locked:
                await identity.record_sign_in_lockout(user.email, settings)
            page = login.second_factor_form(
                params, client_name=client_name, challenge=value, error=exc.detail
            )
            return _html(page, 429, exc.headers)
        outcome, method = await two_factor.verify_code(challenge.user_id, code)
        if outcome is not Outcome.accepted:
            error = REFUSALS.get(outcome, ENTER_CODE) if code.strip() else ENTER_CODE
            page = login.second_factor_form(params, client_name=client_name, challenge=value, error=error)
            return _html(page, 401)
        if not await two_factor.finish(value):
            return _html(login.signin_form(params, client_name=client_name, error=SIGN_IN_TOO_LONG), 401)
        await throttle.succeeded()
        await identity.signed_in(
            challenge.user_id, {"client_id": grant.client.client_id, "second_factor": method}
        )
        return await self._authorized(server, grant, challenge.user_id)

    @staticmethod
    async def _validated(
        conn: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        method: str,
        request: Request[Any, Any, Any],
        params: dict[str, str],
    ) -> tuple[Any, Any]:
        """The server and the validated grant: client known, redirect URI registered, PKCE present."""
        server = _server(conn, settings, clock)
        oauth_request = FormRequest(method, f"{settings.base_url}/oauth/authorize", request.headers, params)
        return server, await anyio.to_thread.run_sync(server.get_consent_grant, oauth_request)


class WellKnownController(Controller):
    path = "/.well-known"
    tags = ["Identity"]

    @get("/jwks.json", operation_id="GetJwks", cache_control=PUBLIC_MINUTE)
    async def jwks(self, db: asyncpg.Connection, settings: Settings, clock: Clock) -> dict[str, Any]:
        """The public keys that verify igf_hub's access tokens (active and recently retired)."""
        max_age = timedelta(seconds=settings.auth.access_token_ttl + 60)
        return await keys.published_jwks(db, now=clock.now(), max_token_age=max_age)

    @get(
        "/openid-configuration",
        operation_id="GetOpenIdConfiguration",
        cache_control=PUBLIC_HOUR,
    )
    async def openid_configuration(self, settings: Settings) -> dict[str, Any]:
        """The OpenID Connect discovery document: issuer, authorization, token and key endpoints, and the
        grant types, scopes and signing algorithm igf_hub supports. Public."""
        base = settings.base_url
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "scopes_supported": ["api", "openid"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [keys.ALGORITHM],
        }


WRITE = {"identity": writer(IdentityService)}


class IdentityController(Controller):
    path = "/v1"
    tags = ["Identity"]
    dependencies = {"identity": reader(IdentityService)}

    @get("/me", operation_id="GetMe", guards=[requires_authenticated])
    async def me(self, request: AnyRequest, identity: IdentityService) -> Me:
        """Who you are signed in as: your subject, whether you are a user or a machine client, your email,
        your roles and the grants behind them. Any signed-in caller."""
        principal = request.user
        grants = await identity.repo.grants_of(principal.user_id) if principal.user_id else []
        return Me(
            subject=principal.subject,
            kind=principal.kind.value,
            email=principal.email,
            roles=sorted(r.value for r in principal.roles),
            grants=grants,
        )

    @post("/users", operation_id="CreateUser", guards=[requires_secretariat], dependencies=WRITE)
    async def create_user(self, data: UserCreate, request: AnyRequest, identity: IdentityService) -> User:
        """Register a person by email (Secretariat only); audited. 409 when the email is already
        registered."""
        return await identity.create_user(data, actor=request.user)

    @get("/users/{user_id:uuid}", operation_id="GetUser", guards=[requires_secretariat])
    async def get_user(self, user_id: UUID, identity: IdentityService) -> User:
        """One registered user (Secretariat only); 404 when there is no such user."""
        return await identity.get_user(user_id)

    @post(
        "/users/{user_id:uuid}/grants",
        operation_id="GrantRole",
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def grant(
        self,
        user_id: UUID,
        data: GrantCreate,
        request: AnyRequest,
        identity: IdentityService,
    ) -> RoleGrant:
        """Give a user a role, optionally for one object (an NRI, a track, a consumer ...) and for a period
        (Secretariat only); audited. 409 when that role is already granted for the object; ``is_chair``
        applies only to MAG members."""
        await identity.get_user(user_id)
        return await identity.grant_role(user_id, data, actor=request.user)

    @delete(
        "/users/{user_id:uuid}/grants/{grant_id:uuid}",
        operation_id="RevokeRole",
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def revoke(
        self, user_id: UUID, grant_id: UUID, request: AnyRequest, identity: IdentityService
    ) -> None:
        """Take back one of a user's role grants (Secretariat only); audited. 404 when the user holds no such
        grant."""
        await identity.revoke_grant(user_id, grant_id, actor=request.user)

    @delete(
        "/users/{user_id:uuid}/sign-in-lockout",
        operation_id="LiftSignInLockout",
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def lift_lockout(
        self,
        user_id: UUID,
        request: AnyRequest,
        identity: IdentityService,
        queue: ArqRedis,
        settings: Settings,
    ) -> None:
        """Let an account sign in again at once after too many failed sign-ins (from any address); audited."""
        await identity.lift_sign_in_lockout(user_id, queue, settings, actor=request.user)

    @delete(
        "/users/{user_id:uuid}/two-factor",
        operation_id="ResetTwoFactor",
        guards=[requires_secretariat],
        dependencies={**WRITE, "two_factor": writer(TwoFactorService)},
    )
    async def reset_two_factor(
        self, user_id: UUID, request: AnyRequest, identity: IdentityService, two_factor: TwoFactorService
    ) -> None:
        """Turn a person's two-factor sign-in off when they lost both their authenticator and their recovery
        codes: their TOTP secret, recovery codes and passkeys go; audited as `user.two_factor_reset`. A person
        whose role requires two-factor (the Secretariat, the MAG chair) must set it up again at their next
        sign-in."""
        await identity.get_user(user_id)  # 404 for an unknown user
        await two_factor.reset(user_id, actor=request.user)

    @post("/clients", operation_id="CreateClient", guards=[requires_secretariat], dependencies=WRITE)
    async def create_client(
        self, data: ClientCreate, request: AnyRequest, identity: IdentityService
    ) -> ClientCreated:
        """Register a machine client; the secret is in this response only."""
        return await identity.create_client(data, actor=request.user)
