"""Configuration: read once from the environment (``IGF_HUB_*``) into frozen Structs.

No other module reads ``os.environ``; tests build ``Settings(...)`` directly.
"""

from __future__ import annotations

import enum
import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec


class Environment(enum.StrEnum):
    development = "development"
    production = "production"


class DbSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str = ""  # empty: the embedded PostgreSQL is started
    pool_min: int = 1
    pool_max: int = 10
    # Seconds a request waits for a pooled connection before it is answered 503 with Retry-After.
    acquire_timeout: float = 10.0


class ExportSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The streaming exports hold a pooled connection for as long as the client reads: their own budget."""

    # Exports streaming at once in one process (never more than half the pool: the rest serves the API).
    max_concurrent: int = 4
    # Exports streaming at once for one client address: 429 beyond.
    max_per_client: int = 2
    # Seconds a client may take nothing (not one 64 KiB piece) before its export is cut off (its slot freed).
    send_timeout: float = 30.0


class RedisSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str = ""  # empty: the embedded Valkey is started


class AuthSettings(msgspec.Struct, frozen=True, kw_only=True):
    audience: str = "igf-hub"
    access_token_ttl: int = 900  # seconds: short-lived, verified locally
    # Comma-separated base64url 32-byte keys encrypting the token-signing private keys at rest; the first
    # encrypts, all decrypt (rotation). Empty: a key file in the data dir (development only; production refuses).
    signing_keys_key: str = ""
    # Longest lifetime (exp - iat, seconds) of any access token accepted, ours or an external issuer's.
    max_token_lifetime: int = 3600
    refresh_token_ttl: int = 30 * 24 * 3600
    authorization_code_ttl: int = 300
    # Failed sign-ins allowed per (e-mail, address) within the window before 429.
    signin_max_failures: int = 5
    signin_window: int = 900
    # Failed sign-ins allowed per account from any address within the window; past it the account is locked out
    # until the window ends or the Secretariat lifts the lock-out.
    signin_account_max_failures: int = 20
    signin_account_window: int = 3600
    # Browser sessions (web/sessions.py): one unused for this many seconds ends (idle expiry), and none lasts
    # longer than the lifetime from its sign-in (absolute expiry); either way the person signs in again.
    session_idle_timeout: int = 2 * 3600
    session_lifetime: int = 12 * 3600
    # Two-factor (auth/twofactor_service.py): base64url 32-byte keys encrypting the TOTP secrets at rest, as
    # signing_keys_key; and seconds a person has between the password and the second factor.
    two_factor_key: str = ""
    two_factor_challenge_ttl: int = 300
    # Optionally also trust tokens from an external OIDC issuer.
    external_issuer: str = ""
    external_audience: str = ""
    external_jwks_url: str = ""  # default: discovered from the issuer's openid-configuration
    # The scope (in the space-separated "scope" claim) an external issuer's tokens must carry to use the API.
    external_scope: str = "api"

    def __post_init__(self) -> None:
        if self.access_token_ttl > self.max_token_lifetime:
            raise ValueError(
                f"IGF_HUB_AUTH_ACCESS_TOKEN_TTL ({self.access_token_ttl} s) is longer than "
                f"IGF_HUB_AUTH_MAX_TOKEN_LIFETIME ({self.max_token_lifetime} s): the service would refuse "
                "its own tokens"
            )
        if self.session_idle_timeout <= 0 or self.session_lifetime <= 0:
            raise ValueError(
                "IGF_HUB_AUTH_SESSION_IDLE_TIMEOUT and IGF_HUB_AUTH_SESSION_LIFETIME must be positive numbers "
                "of seconds"
            )


class PeopleSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Accounts (people/): how long the links sent by e-mail stay valid, and how often one address may ask."""

    verification_link_ttl: int = 48 * 3600  # seconds
    reset_link_ttl: int = 3600  # seconds: a reset link is a key to the account
    invitation_ttl: int = 14 * 24 * 3600  # seconds
    # Sign-ups, new verification links and reset links per e-mail address within the window (429 beyond).
    requests_per_address: int = 3
    requests_window: int = 3600  # seconds


class FundingSettings(msgspec.Struct, frozen=True, kw_only=True):
    # NRI grant ceilings in USD per NRI type (the IGF's current figures; youth NRIs are not named, so national).
    grant_ceiling_national: int = 5_000
    grant_ceiling_sub_regional: int = 6_000
    grant_ceiling_regional: int = 12_000
    grant_ceiling_youth: int = 5_000
    # An exchange rate applies from its effective date for at most this many days (UN operational rates: monthly).
    rate_max_age_days: int = 31
    # The IATI organisation identifier and name that publish the IGF's funding data.
    iati_reporting_org_ref: str = "XI-IATI-IGFSEC"
    iati_reporting_org_name: str = "IGF Secretariat (UN DESA)"


class MessagesSettings(msgspec.Struct, frozen=True, kw_only=True):
    """IGF Messages: the public comment window and the MAG ballot rule (recorded on each ballot when it opens)."""

    comment_min_days: int = 14
    comment_default_days: int = 21
    ballot_default_days: int = 14
    # Remind members who have not taken a position this long before the deadline.
    ballot_reminder_hours: int = 48
    ballot_min_yes: int = 1
    # Of (eligible - recused), as a fraction: yes + no_objection must reach it.
    ballot_supermajority: str = "2/3"
    ballot_min_groups: int = 3  # MAG stakeholder groups the supporters must come from


class NriSettings(msgspec.Struct, frozen=True, kw_only=True):
    # The IGF publishes no formal rule: a recognised NRI with no activity report for this many years is
    # flagged inactive by the nightly scan.
    inactive_after_years: int = 2
    # An activity report is expected within this many months of the meeting it reports on.
    report_due_months: int = 3


class WebhookSettings(msgspec.Struct, frozen=True, kw_only=True):
    # Comma-separated hosts, addresses or CIDR ranges that endpoints may use although they are private or
    # loopback (and may use http): e.g. "127.0.0.1" in tests. Empty: only global https endpoints.
    allowed_hosts: str = ""
    # Comma-separated base64url 32-byte keys encrypting endpoint secrets at rest; the first encrypts, all
    # decrypt (rotation). Empty: a key file in the data dir (development only; production refuses).
    secrets_key: str = ""
    run_dispatcher: bool = True  # the worker runs the delivery dispatcher (off: a separate process runs it)
    # Concurrent requests per dispatcher, and the sender's connections to consumers (webhooks/transport.py).
    max_in_flight: int = 8
    poll_interval: float = 1.0  # seconds: the backstop when no NOTIFY arrives
    lease_seconds: int = 60  # a claimed delivery is reclaimable after this (a killed worker's deliveries)
    request_timeout: float = 15.0
    retention_days: int = 90  # events, finished deliveries and their attempts


class MailSecurity(enum.StrEnum):
    starttls = (
        "starttls"  # plain connection upgraded with STARTTLS (port 587): refused if the server lacks it
    )
    tls = "tls"  # TLS from the first byte (port 465)
    none = "none"  # no encryption: only for a server on this machine (the development sink, tests)


class MailSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Outbound e-mail (core/mail.py). Without a host, development delivers into the data dir's mailbox (the
    sink ``serve`` runs); production refuses to start unless a host is set or mail is explicitly disabled."""

    host: str = ""
    port: int = 0  # 0: the security's usual port (587 starttls, 465 tls, 25 none)
    username: str = ""
    password: str = ""
    security: MailSecurity = MailSecurity.starttls
    # The From address; default "igf_hub <no-reply@{public host}>".
    from_address: str = ""
    disabled: bool = False  # send nothing (notices still reach the inbox); mails are recorded as not sent
    timeout: float = 30.0  # seconds for each step of one SMTP conversation
    # A claimed mail is taken over by another worker this long after its claim (a killed worker's). Longer
    # than any send can take: a send still running at the end of its lease is abandoned first.
    lease_seconds: int = 120
    max_attempts: int = 8  # then the mail is marked failed (the send log says why)

    @property
    def smtp_port(self) -> int:
        if self.port:
            return self.port
        return {MailSecurity.starttls: 587, MailSecurity.tls: 465, MailSecurity.none: 25}[self.security]


class AuditSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Keys that make the audit log verifiable; neither is stored in the database (see README, "The audit log")."""

    # Comma-separated base64url 32-byte HMAC keys: the application seals every audit row it writes with the first,
    # and `audit verify` accepts any (rotation). Empty: a key file in the data dir (development only).
    seal_keys: str = ""
    # The Ed25519 private key (base64 of its 32-byte seed) that signs checkpoints. Empty: a key file in the data
    # dir (development only).
    checkpoint_key: str = ""
    # The log's name: the checkpoint's origin line and the signing key's name. Default: <public host>/audit.
    checkpoint_origin: str = ""
    # The worker signs a new checkpoint at most this often, and only when rows were added.
    checkpoint_interval: int = 600  # seconds
    # The worker moves written audit rows into the chain (and seals them) this often, when there are any.
    chain_interval: float = 0.25  # seconds


class SigningSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The IGF publication key that signs published records; never stored in the database (README, "Signed
    records")."""

    # Base64 of the 32-byte Ed25519 seed. Empty: a key file in the data dir (development only).
    publication_key: str = ""


class ReportSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The yearly report's PDFs: printed from its HTML by a headless Chromium (README, "The yearly report")."""

    chromium: str = ""  # the browser's executable; empty: `chromium` (or `chromium-browser`) on the PATH
    pdf_timeout: float = 60.0  # seconds one PDF may take to print


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    environment: Environment = Environment.development
    data_dir: str = ".igf_hub"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # the issuer and link base; default http://{host}:{port}
    log_format: str = "console"  # console | json
    log_level: str = "info"
    db: DbSettings = DbSettings()
    redis: RedisSettings = RedisSettings()
    auth: AuthSettings = AuthSettings()
    people: PeopleSettings = PeopleSettings()
    nri: NriSettings = NriSettings()
    messages: MessagesSettings = MessagesSettings()
    funding: FundingSettings = FundingSettings()
    webhooks: WebhookSettings = WebhookSettings()
    exports: ExportSettings = ExportSettings()
    audit: AuditSettings = AuditSettings()
    mail: MailSettings = MailSettings()
    signing: SigningSettings = SigningSettings()
    reports: ReportSettings = ReportSettings()
    # Per-caller limits on public writes (core/ratelimit.py); off only for load benchmarks of the write path.
    rate_limits: bool = True
    # The Secretariat's allowance per limited route and window: sized for bulk work, not for the public.
    secretariat_rate_limit: int = 5_000
    # Seconds an arq job may run before it is cancelled. A job whose worker died (SIGKILL, OOM, a lost node) is
    # retried by another worker this + 10 s after it started: arq holds its in-progress mark that long.
    worker_job_timeout: int = 300
    # Comma-separated addresses or CIDR ranges of the reverse proxies whose X-Forwarded-For / -Proto are believed
    # ("*": any peer, only when nothing but the proxy can reach the API). Empty: the socket's peer is the client.
    trusted_proxies: str = ""
    # When set, /metrics answers only ``Authorization: Bearer <this>`` (Prometheus' scrape ``authorization``).
    metrics_token: str = ""

    def __post_init__(self) -> None:
        parse_trusted_proxies(self.trusted_proxies)

    @property
    def embedded(self) -> bool:
        return not (self.db.url and self.redis.url)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def audit_origin(self) -> str:
        """The checkpoints' origin line: unique per log, no spaces (C2SP tlog-checkpoint)."""
        return self.audit.checkpoint_origin or f"{urlsplit(self.base_url).netloc}/audit"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()


def parse_trusted_proxies(text: str) -> list[str]:
    """IGF_HUB_TRUSTED_PROXIES: each entry ``*``, an address or a CIDR range; ValueError names a bad one."""
    entries = [item.strip() for item in text.split(",") if item.strip()]
    for entry in entries:
        if entry != "*":
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"IGF_HUB_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR range (or *)"
                ) from None
    return entries


# Environment variable -> path in the Settings tree.
_ENV_MAP: dict[str, tuple[str, ...]] = {
    "IGF_HUB_ENVIRONMENT": ("environment",),
    "IGF_HUB_DATA_DIR": ("data_dir",),
    "IGF_HUB_HOST": ("host",),
    "IGF_HUB_PORT": ("port",),
    "IGF_HUB_PUBLIC_URL": ("public_url",),
    "IGF_HUB_LOG_FORMAT": ("log_format",),
    "IGF_HUB_LOG_LEVEL": ("log_level",),
    "IGF_HUB_RATE_LIMITS": ("rate_limits",),
    "IGF_HUB_SECRETARIAT_RATE_LIMIT": ("secretariat_rate_limit",),
    "IGF_HUB_METRICS_TOKEN": ("metrics_token",),
    "IGF_HUB_TRUSTED_PROXIES": ("trusted_proxies",),
    "IGF_HUB_WORKER_JOB_TIMEOUT": ("worker_job_timeout",),
    "IGF_HUB_DATABASE_URL": ("db", "url"),
    "IGF_HUB_DB_POOL_MIN": ("db", "pool_min"),
    "IGF_HUB_DB_POOL_MAX": ("db", "pool_max"),
    "IGF_HUB_DB_ACQUIRE_TIMEOUT": ("db", "acquire_timeout"),
    "IGF_HUB_EXPORT_MAX_CONCURRENT": ("exports", "max_concurrent"),
    "IGF_HUB_EXPORT_MAX_PER_CLIENT": ("exports", "max_per_client"),
    "IGF_HUB_EXPORT_SEND_TIMEOUT": ("exports", "send_timeout"),
    "IGF_HUB_REDIS_URL": ("redis", "url"),
    "IGF_HUB_AUTH_AUDIENCE": ("auth", "audience"),
    "IGF_HUB_AUTH_ACCESS_TOKEN_TTL": ("auth", "access_token_ttl"),
    "IGF_HUB_AUTH_REFRESH_TOKEN_TTL": ("auth", "refresh_token_ttl"),
    "IGF_HUB_AUTH_MAX_TOKEN_LIFETIME": ("auth", "max_token_lifetime"),
    "IGF_HUB_AUTH_SIGNING_KEYS_KEY": ("auth", "signing_keys_key"),
    "IGF_HUB_AUTH_SIGNIN_MAX_FAILURES": ("auth", "signin_max_failures"),
    "IGF_HUB_AUTH_SIGNIN_WINDOW": ("auth", "signin_window"),
    "IGF_HUB_AUTH_SIGNIN_ACCOUNT_MAX_FAILURES": ("auth", "signin_account_max_failures"),
    "IGF_HUB_AUTH_SIGNIN_ACCOUNT_WINDOW": ("auth", "signin_account_window"),
    "IGF_HUB_AUTH_SESSION_IDLE_TIMEOUT": ("auth", "session_idle_timeout"),
    "IGF_HUB_AUTH_SESSION_LIFETIME": ("auth", "session_lifetime"),
    "IGF_HUB_AUTH_TWO_FACTOR_KEY": ("auth", "two_factor_key"),
    "IGF_HUB_AUTH_TWO_FACTOR_CHALLENGE_TTL": ("auth", "two_factor_challenge_ttl"),
    "IGF_HUB_AUTH_EXTERNAL_ISSUER": ("auth", "external_issuer"),
    "IGF_HUB_AUTH_EXTERNAL_AUDIENCE": ("auth", "external_audience"),
    "IGF_HUB_AUTH_EXTERNAL_JWKS_URL": ("auth", "external_jwks_url"),
    "IGF_HUB_AUTH_EXTERNAL_SCOPE": ("auth", "external_scope"),
    "IGF_HUB_PEOPLE_VERIFICATION_LINK_TTL": ("people", "verification_link_ttl"),
    "IGF_HUB_PEOPLE_RESET_LINK_TTL": ("people", "reset_link_ttl"),
    "IGF_HUB_PEOPLE_INVITATION_TTL": ("people", "invitation_ttl"),
    "IGF_HUB_PEOPLE_REQUESTS_PER_ADDRESS": ("people", "requests_per_address"),
    "IGF_HUB_PEOPLE_REQUESTS_WINDOW": ("people", "requests_window"),
    "IGF_HUB_NRI_INACTIVE_AFTER_YEARS": ("nri", "inactive_after_years"),
    "IGF_HUB_NRI_REPORT_DUE_MONTHS": ("nri", "report_due_months"),
    "IGF_HUB_MESSAGES_COMMENT_MIN_DAYS": ("messages", "comment_min_days"),
    "IGF_HUB_MESSAGES_COMMENT_DEFAULT_DAYS": ("messages", "comment_default_days"),
    "IGF_HUB_MESSAGES_BALLOT_DEFAULT_DAYS": ("messages", "ballot_default_days"),
    "IGF_HUB_MESSAGES_BALLOT_REMINDER_HOURS": ("messages", "ballot_reminder_hours"),
    "IGF_HUB_MESSAGES_BALLOT_MIN_YES": ("messages", "ballot_min_yes"),
    "IGF_HUB_MESSAGES_BALLOT_SUPERMAJORITY": ("messages", "ballot_supermajority"),
    "IGF_HUB_MESSAGES_BALLOT_MIN_GROUPS": ("messages", "ballot_min_groups"),
    "IGF_HUB_FUNDING_GRANT_CEILING_NATIONAL": ("funding", "grant_ceiling_national"),
    "IGF_HUB_FUNDING_GRANT_CEILING_SUB_REGIONAL": ("funding", "grant_ceiling_sub_regional"),
    "IGF_HUB_FUNDING_GRANT_CEILING_REGIONAL": ("funding", "grant_ceiling_regional"),
    "IGF_HUB_FUNDING_GRANT_CEILING_YOUTH": ("funding", "grant_ceiling_youth"),
    "IGF_HUB_FUNDING_RATE_MAX_AGE_DAYS": ("funding", "rate_max_age_days"),
    "IGF_HUB_FUNDING_IATI_REPORTING_ORG_REF": ("funding", "iati_reporting_org_ref"),
    "IGF_HUB_FUNDING_IATI_REPORTING_ORG_NAME": ("funding", "iati_reporting_org_name"),
    "IGF_HUB_AUDIT_SEAL_KEYS": ("audit", "seal_keys"),
    "IGF_HUB_AUDIT_CHECKPOINT_KEY": ("audit", "checkpoint_key"),
    "IGF_HUB_AUDIT_CHECKPOINT_ORIGIN": ("audit", "checkpoint_origin"),
    "IGF_HUB_AUDIT_CHECKPOINT_INTERVAL": ("audit", "checkpoint_interval"),
    "IGF_HUB_AUDIT_CHAIN_INTERVAL": ("audit", "chain_interval"),
    "IGF_HUB_SMTP_HOST": ("mail", "host"),
    "IGF_HUB_SMTP_PORT": ("mail", "port"),
    "IGF_HUB_SMTP_USERNAME": ("mail", "username"),
    "IGF_HUB_SMTP_PASSWORD": ("mail", "password"),
    "IGF_HUB_SMTP_SECURITY": ("mail", "security"),
    "IGF_HUB_SMTP_TIMEOUT": ("mail", "timeout"),
    "IGF_HUB_MAIL_FROM": ("mail", "from_address"),
    "IGF_HUB_MAIL_DISABLED": ("mail", "disabled"),
    "IGF_HUB_MAIL_LEASE_SECONDS": ("mail", "lease_seconds"),
    "IGF_HUB_MAIL_MAX_ATTEMPTS": ("mail", "max_attempts"),
    "IGF_HUB_PUBLICATION_KEY": ("signing", "publication_key"),
    "IGF_HUB_REPORTS_CHROMIUM": ("reports", "chromium"),
    "IGF_HUB_REPORTS_PDF_TIMEOUT": ("reports", "pdf_timeout"),
    "IGF_HUB_WEBHOOK_ALLOWED_HOSTS": ("webhooks", "allowed_hosts"),
    "IGF_HUB_WEBHOOK_SECRETS_KEY": ("webhooks", "secrets_key"),
    "IGF_HUB_WEBHOOK_RUN_DISPATCHER": ("webhooks", "run_dispatcher"),
    "IGF_HUB_WEBHOOK_MAX_IN_FLIGHT": ("webhooks", "max_in_flight"),
    "IGF_HUB_WEBHOOK_POLL_INTERVAL": ("webhooks", "poll_interval"),
    "IGF_HUB_WEBHOOK_LEASE_SECONDS": ("webhooks", "lease_seconds"),
    "IGF_HUB_WEBHOOK_REQUEST_TIMEOUT": ("webhooks", "request_timeout"),
    "IGF_HUB_WEBHOOK_RETENTION_DAYS": ("webhooks", "retention_days"),
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from ``IGF_HUB_*`` variables; strings are converted to ints/bools by msgspec."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    for var, path in _ENV_MAP.items():
        if var in env and env[var] != "":
            node = raw
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = env[var]
    return msgspec.convert(raw, Settings, strict=False)
