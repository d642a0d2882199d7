"""Two-factor sign-in: TOTP (RFC 6238), recovery codes and passkeys (WebAuthn), and the step between a password
and a session.

- A TOTP secret is encrypted at rest (AES-GCM, ``IGF_HUB_AUTH_TWO_FACTOR_KEY``, core/vault.py), bound to its
  user; it is in use once confirmed with a code. A code is accepted once: the last accepted time step is kept
  and a code of that step or an earlier one is refused; the step before or after now is accepted (drift).
- Ten recovery codes are made when TOTP is confirmed (and on request), shown once, stored as SHA-256 (random,
  like refresh tokens), each used once.
- Passkeys are a second factor beside TOTP (a person first sets up TOTP, so a reader without JavaScript, or
  without a passkey at hand, always has a way in). They are not a password replacement here.
- Two-factor is required for the Secretariat and the MAG chair (``required_for``) and offered to everyone.
- Every change is audited (``user.two_factor_*``, ``user.passkey_*``).
"""

from __future__ import annotations

import enum
import hashlib
import json
import secrets
from datetime import timedelta
from urllib.parse import urlsplit
from uuid import UUID

import asyncpg
import msgspec
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from igf_hub.auth import totp
from igf_hub.auth.principal import Principal, Role
from igf_hub.auth.twofactor_repository import ChallengeRow, PasskeyRow, TwoFactorRepository
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.vault import Vault, open_vault

KEY_FILE = "auth-two-factor.key"
VARIABLE = "IGF_HUB_AUTH_TWO_FACTOR_KEY"
RECOVERY_CODES = 10
# No 0/o, 1/l/i: a code read from paper is typed right.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10  # about 49 bits each
SIGN_IN = "sign_in"
PASSKEY_REGISTRATION = "passkey_registration"
RP_NAME = "IGF Hub"


class Outcome(enum.StrEnum):
    """What became of a second-factor attempt; pages say each in a sentence."""

    accepted = "accepted"
    wrong = "wrong"  # no such code now
    malformed = "malformed"  # neither six digits nor a recovery code
    replayed = "replayed"  # the right code, already used
    recovery_used = "recovery_used"  # a recovery code already used
    not_enrolled = "not_enrolled"


class Enrolment(msgspec.Struct, frozen=True, kw_only=True):
    secret: str  # base32, grouped for typing
    uri: str  # otpauth://


class Status(msgspec.Struct, frozen=True, kw_only=True):
    enabled: bool
    recovery_codes_left: int
    passkeys: list[PasskeyRow]


def vault_for(settings: Settings) -> Vault:
    return open_vault(
        settings.auth.two_factor_key,
        variable=VARIABLE,
        key_file=KEY_FILE,
        environment=settings.environment,
        data_dir=settings.data_dir,
        purpose="two-factor secret",
    )


def required_for(principal: Principal) -> bool:
    """Two-factor is required for the Secretariat and the MAG chair."""
    return principal.has_role(Role.secretariat) or principal.is_mag_chair


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_recovery_code(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def _recovery_hash(user_id: UUID, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{normalise_recovery_code(code)}".encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def relying_party(settings: Settings) -> tuple[str, str]:
    """(RP ID, origin) of passkeys: this site's host name and origin, from IGF_HUB_PUBLIC_URL."""
    parts = urlsplit(settings.base_url)
    return parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}"


class TwoFactorService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.settings = settings
        self.repo = TwoFactorRepository(conn)

    def _vault(self) -> Vault:
        return vault_for(self.settings)

    async def _audit(
        self, user_id: UUID, event: str, data: dict[str, object], actor: str | None = None
    ) -> None:
        await changelog.record(
            self.conn,
            event,
            actor=actor or f"user:{user_id}",
            subject_type="user",
            subject_id=user_id,
            data=data,
            publish=False,  # a security record, not a change others act on
        )

    # -- state ---------------------------------------------------------------------------------------

    async def is_enabled(self, user_id: UUID) -> bool:
        return await self.repo.has_two_factor(user_id)

    async def status(self, user_id: UUID) -> Status:
        return Status(
            enabled=await self.repo.has_two_factor(user_id),
            recovery_codes_left=await self.repo.recovery_codes_left(user_id),
            passkeys=await self.repo.passkeys(user_id),
        )

    # -- TOTP enrolment ------------------------------------------------------------------------------

    async def start_totp(self, user_id: UUID, account: str) -> Enrolment | None:
        """A new secret waiting for its first code (replacing one that waited); None if TOTP is already on."""
        secret = totp.new_secret()
        blob = self._vault().encrypt(secret, user_id.bytes)
        row = await self.repo.put_pending_totp(user_id, blob, self.clock.now())
        if row is None:
            return None
        return Enrolment(secret=totp.to_base32(secret), uri=totp.provisioning_uri(secret, account))

    async def pending_totp(self, user_id: UUID, account: str) -> Enrolment | None:
        """The secret waiting for its first code, if any."""
        row = await self.repo.totp(user_id)
        if row is None or row.confirmed_at is not None:
            return None
        secret = self._vault().decrypt(row.secret_encrypted, user_id.bytes)
        return Enrolment(secret=totp.to_base32(secret), uri=totp.provisioning_uri(secret, account))

    async def confirm_totp(self, user_id: UUID, code: str) -> tuple[Outcome, list[str]]:
        """Turn TOTP on with a first right code; the recovery codes (shown once) when accepted."""
        row = await self.repo.totp(user_id)
        if row is None or row.confirmed_at is not None:
            return Outcome.not_enrolled, []
        code = "".join(code.split())
        if not (len(code) == totp.DIGITS and code.isdigit()):
            return Outcome.malformed, []
        secret = self._vault().decrypt(row.secret_encrypted, user_id.bytes)
        step = totp.matching_step(secret, code, self.clock.now().timestamp())
        if step is None:
            return Outcome.wrong, []
        if not await self.repo.confirm_totp(user_id, self.clock.now(), step):
            return Outcome.replayed, []
        codes = await self._new_recovery_codes(user_id)
        await self._audit(user_id, "user.two_factor_enabled", {"method": "totp"})
        return Outcome.accepted, codes

    async def _new_recovery_codes(self, user_id: UUID) -> list[str]:
        codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
        await self.repo.replace_recovery_codes(
            user_id, [_recovery_hash(user_id, c) for c in codes], self.clock.now()
        )
        return codes

    async def regenerate_recovery_codes(self, user_id: UUID) -> list[str]:
        """Ten new codes; the old ones, used or not, stop working. Audited."""
        codes = await self._new_recovery_codes(user_id)
        await self._audit(user_id, "user.two_factor_recovery_codes_regenerated", {"codes": RECOVERY_CODES})
        return codes

    async def disable(self, user_id: UUID, *, confirmed_with: str) -> None:
        """TOTP, recovery codes and passkeys all go. The caller checked a fresh code or the password first."""
        await self.repo.delete_totp(user_id)
        await self.repo.delete_recovery_codes(user_id)
        await self.repo.delete_passkeys(user_id)
        await self._audit(user_id, "user.two_factor_disabled", {"confirmed_with": confirmed_with})

    async def reset(self, user_id: UUID, *, actor: Principal) -> None:
        """The Secretariat turns a person's two-factor off (a lost phone and lost recovery codes); audited with
        the Secretariat as actor. A person whose role requires it sets it up again at their next sign-in."""
        await self.repo.delete_totp(user_id)
        await self.repo.delete_recovery_codes(user_id)
        await self.repo.delete_passkeys(user_id)
        await self._audit(user_id, "user.two_factor_reset", {}, actor=actor.subject)

    # -- the second factor ---------------------------------------------------------------------------

    async def verify_code(self, user_id: UUID, code: str) -> tuple[Outcome, str]:
        """A TOTP code or a recovery code: (outcome, "totp" or "recovery_code")."""
        row = await self.repo.totp(user_id)
        if row is None or row.confirmed_at is None:
            return Outcome.not_enrolled, ""
        compact = "".join(code.split())
        if len(compact) == totp.DIGITS and compact.isdigit():
            secret = self._vault().decrypt(row.secret_encrypted, user_id.bytes)
            step = totp.matching_step(secret, compact, self.clock.now().timestamp())
            if step is None:
                return Outcome.wrong, "totp"
            if step <= row.last_step or not await self.repo.accept_step(user_id, step):
                return Outcome.replayed, "totp"
            return Outcome.accepted, "totp"
        if len(normalise_recovery_code(code)) == RECOVERY_LENGTH:
            digest = _recovery_hash(user_id, code)
            if await self.repo.use_recovery_code(user_id, digest, self.clock.now()):
                left = await self.repo.recovery_codes_left(user_id)
                await self._audit(user_id, "user.two_factor_recovery_code_used", {"left": left})
                return Outcome.accepted, "recovery_code"
            if await self.repo.recovery_code_used(user_id, digest):
                return Outcome.recovery_used, "recovery_code"
            return Outcome.wrong, "recovery_code"
        return Outcome.malformed, ""

    # -- the step between password and session ------------------------------------------------------

    async def begin(self, user_id: UUID, purpose: str = SIGN_IN, *, next_path: str | None = None) -> str:
        """A short-lived value for the browser that says "this person gave the right password" (or is
        registering a passkey); only its hash is kept."""
        value = secrets.token_urlsafe(32)
        now = self.clock.now()
        await self.repo.insert_challenge(
            token_hash=token_hash(value),
            user_id=user_id,
            purpose=purpose,
            webauthn_challenge=None,
            next_path=next_path,
            now=now,
            expires_at=now + timedelta(seconds=self.settings.auth.two_factor_challenge_ttl),
        )
        return value

    async def challenge(self, value: str, purpose: str = SIGN_IN) -> ChallengeRow | None:
        """The challenge if it is known and not expired (an expired one is deleted)."""
        if not value or len(value) > 100:
            return None
        row = await self.repo.challenge(token_hash(value), purpose)
        if row is None:
            return None
        if self.clock.now() >= row.expires_at:
            await self.repo.delete_challenge(row.token_hash)
            return None
        return row

    async def finish(self, value: str) -> bool:
        """Use the challenge up (once): False if another request used it first."""
        return await self.repo.delete_challenge(token_hash(value))

    # -- passkeys ------------------------------------------------------------------------------------

    async def passkey_registration(self, user_id: UUID, account: str, display_name: str) -> tuple[str, str]:
        """(challenge value, the options for navigator.credentials.create as JSON)."""
        rp_id, _ = relying_party(self.settings)
        existing = await self.repo.passkeys(user_id)
        options = generate_registration_options(
            rp_id=rp_id,
            rp_name=RP_NAME,
            user_id=user_id.bytes,
            user_name=account,
            user_display_name=display_name or account,
            exclude_credentials=[PublicKeyCredentialDescriptor(id=p.credential_id) for p in existing],
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.DISCOURAGED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
        )
        value = await self.begin(user_id, PASSKEY_REGISTRATION)
        await self.repo.set_webauthn_challenge(token_hash(value), options.challenge)
        return value, options_to_json(options)

    async def register_passkey(
        self, challenge: ChallengeRow, credential: str, name: str
    ) -> PasskeyRow | None:
        """The new passkey, or None if the browser's answer does not verify. Audited."""
        rp_id, origin = relying_party(self.settings)
        if challenge.webauthn_challenge is None:
            return None
        try:
            verified = verify_registration_response(
                credential=_json_object(credential),
                expected_challenge=challenge.webauthn_challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError):
            return None
        if not await self.repo.delete_challenge(challenge.token_hash):
            return None
        try:
            async with self.conn.transaction():  # a savepoint: a duplicate leaves the rest intact
                passkey = await self.repo.insert_passkey(
                    user_id=challenge.user_id,
                    credential_id=verified.credential_id,
                    public_key=verified.credential_public_key,
                    sign_count=verified.sign_count,
                    name=name,
                    now=self.clock.now(),
                )
        except asyncpg.UniqueViolationError:
            return None
        await self._audit(challenge.user_id, "user.passkey_added", {"passkey_id": passkey.id, "name": name})
        return passkey

    async def passkey_options(self, challenge: ChallengeRow, value: str) -> str | None:
        """Options for navigator.credentials.get at the second step (None without passkeys)."""
        passkeys = await self.repo.passkeys(challenge.user_id)
        if not passkeys:
            return None
        rp_id, _ = relying_party(self.settings)
        options = generate_authentication_options(
            rp_id=rp_id,
            allow_credentials=[PublicKeyCredentialDescriptor(id=p.credential_id) for p in passkeys],
            user_verification=UserVerificationRequirement.PREFERRED,
        )
        await self.repo.set_webauthn_challenge(token_hash(value), options.challenge)
        return options_to_json(options)

    async def verify_passkey(self, challenge: ChallengeRow, credential: str) -> bool:
        rp_id, origin = relying_party(self.settings)
        if challenge.webauthn_challenge is None:
            return False
        try:
            answer = _json_object(credential)
            raw_id = answer.get("rawId") or answer.get("id")
            passkey = await self.repo.passkey(challenge.user_id, _base64url(str(raw_id)))
            if passkey is None:
                return False
            verified = verify_authentication_response(
                credential=answer,
                expected_challenge=challenge.webauthn_challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError):
            return False
        await self.repo.use_passkey(passkey.id, verified.new_sign_count, self.clock.now())
        return True

    async def delete_passkey(self, user_id: UUID, passkey_id: UUID) -> bool:
        name = await self.repo.delete_passkey(user_id, passkey_id)
        if name is None:
            return False
        await self._audit(user_id, "user.passkey_removed", {"passkey_id": passkey_id, "name": name})
        return True


def _json_object(text: str) -> dict[str, object]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _base64url(text: str) -> bytes:
    return base64url_to_bytes(text)
