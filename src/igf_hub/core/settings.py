"""Configuration: read once from the environment (``IGF_HUB_*``) into frozen Structs.

No other module reads ``os.environ``; tests build ``Settings(...)`` directly.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec


class Environment(enum.StrEnum):
    development = "development"
    production = "production"


class DbSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str = ""  # empty: the embedded PostgreSQL is started
    pool_min: int = 1
    pool_max: int = 10


class RedisSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str = ""  # empty: the embedded Valkey is started


class AuthSettings(msgspec.Struct, frozen=True, kw_only=True):
    audience: str = "igf-hub"
    access_token_ttl: int = 900  # seconds: short-lived, verified locally
    refresh_token_ttl: int = 30 * 24 * 3600
    authorization_code_ttl: int = 300
    # Failed sign-ins allowed per (e-mail, address) within the window before 429.
    signin_max_failures: int = 5
    signin_window: int = 900
    # Optionally also trust tokens from an external OIDC issuer.
    external_issuer: str = ""
    external_audience: str = ""
    external_jwks_url: str = ""  # default: discovered from the issuer's openid-configuration


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

    @property
    def embedded(self) -> bool:
        return not (self.db.url and self.redis.url)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()


# Environment variable -> path in the Settings tree.
_ENV_MAP: dict[str, tuple[str, ...]] = {
    "IGF_HUB_ENVIRONMENT": ("environment",),
    "IGF_HUB_DATA_DIR": ("data_dir",),
    "IGF_HUB_HOST": ("host",),
    "IGF_HUB_PORT": ("port",),
    "IGF_HUB_PUBLIC_URL": ("public_url",),
    "IGF_HUB_LOG_FORMAT": ("log_format",),
    "IGF_HUB_LOG_LEVEL": ("log_level",),
    "IGF_HUB_DATABASE_URL": ("db", "url"),
    "IGF_HUB_DB_POOL_MIN": ("db", "pool_min"),
    "IGF_HUB_DB_POOL_MAX": ("db", "pool_max"),
    "IGF_HUB_REDIS_URL": ("redis", "url"),
    "IGF_HUB_AUTH_AUDIENCE": ("auth", "audience"),
    "IGF_HUB_AUTH_ACCESS_TOKEN_TTL": ("auth", "access_token_ttl"),
    "IGF_HUB_AUTH_REFRESH_TOKEN_TTL": ("auth", "refresh_token_ttl"),
    "IGF_HUB_AUTH_SIGNIN_MAX_FAILURES": ("auth", "signin_max_failures"),
    "IGF_HUB_AUTH_SIGNIN_WINDOW": ("auth", "signin_window"),
    "IGF_HUB_AUTH_EXTERNAL_ISSUER": ("auth", "external_issuer"),
    "IGF_HUB_AUTH_EXTERNAL_AUDIENCE": ("auth", "external_audience"),
    "IGF_HUB_AUTH_EXTERNAL_JWKS_URL": ("auth", "external_jwks_url"),
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
