"""Settings in one validated object, read from ``DAWNA_*`` environment variables.

Outside development a real secret key is required: the default is refused.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PasswordHashCost = Literal["standard", "test"]
DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused outside development
DEFAULT_DB_PATH = Path("var") / "dawna.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DAWNA_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = Field(default=f"sqlite:///{DEFAULT_DB_PATH}")
    secret_key: str = DEV_SECRET
    cookie_secure: bool | None = None
    session_hours: int = Field(default=8, ge=1, le=24)
    # Failed logins (services/login_throttle.py): from one address a growing delay, never a
    # lockout; the account locks when failures come from many addresses within the window.
    login_free_failures: int = Field(default=3, ge=1)
    login_delay_seconds: int = Field(default=1, ge=1)
    login_delay_max_seconds: int = Field(default=900, ge=1)
    login_forget_hours: int = Field(default=24, ge=1)
    lockout_failures: int = Field(default=10, ge=1)
    lockout_addresses: int = Field(default=3, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    # Password checks (Argon2id, 64 MiB each) running at once in one process; more wait at most
    # login_wait_seconds, then get 429.
    login_concurrency: int = Field(default=2, ge=1, le=64)
    login_wait_seconds: float = Field(default=0.5, ge=0, le=10)
    # A new login ends the user's other sessions.
    single_session: bool = False
    site_timezone: str = "Asia/Shanghai"
    default_locale: Literal["en", "zh_CN"] = "zh_CN"
    #: largest request body accepted, in MB (413 above it; issue 19 item 10)
    max_body_mb: int = Field(default=10, ge=1, le=1024)
    #: largest DICOM upload (a PET series), in MB
    max_upload_mb: int = Field(default=500, ge=1, le=4096)
    #: send Strict-Transport-Security (set it in production behind HTTPS)
    hsts: bool = False
    #: Argon2id parameters of new password hashes: ``standard`` (RFC 9106, 64 MiB); ``test``
    #: (the cheapest, for the test suite only: ``dawna.services.auth`` refuses it in production)
    password_hash_cost: PasswordHashCost = "standard"  # noqa: S105 - a cost level, no secret
    #: threads of one server process running requests at once (docs/deployment.md): as many
    #: as its pool keeps database connections, so a burst waits in the queue rather than in
    #: threads contending for the interpreter and for connections opened and closed again;
    #: 2 per process: on the quiet 2-core machine a randomization burst ran at 108-117/s with
    #: 2 threads against 72-98/s with 4 and 76/s with 8, each extra thread costing CPU in
    #: interpreter-lock contention (bench/README.md, "The lead's quiet figures, 2026-12-07 07:15")
    request_threads: int = Field(default=2, ge=1, le=200)
    #: ``dawna serve`` sets it: each worker imports the analysis libraries (lifelines, the SVG
    #: backend, the font list) in a background thread at start, so the first Results page of a
    #: worker does not pay about a second of imports (bench/README.md, results_cache.py).
    preload_analysis: bool = False
    #: ``dawna serve`` sets it: each worker builds the kept data of every randomized
    #: participant's page and treatment page in a background thread at start
    #: (``services/page_warm.py``), so its first users do not wait on one another's builds.
    warm_pages: bool = False
    #: seconds a server reuses its last reading of the database's schema version before a
    #: write reads it again (``web/schema_guard.py``); 0: read before every write
    schema_check_seconds: float = Field(default=2.0, ge=0, le=3600)
    #: PostgreSQL connections one process keeps open, and how many more it may open briefly
    db_pool_size: int = Field(default=4, ge=1, le=100)
    db_max_overflow: int = Field(default=5, ge=0, le=100)

    @field_validator("site_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> Settings:
        weak = self.secret_key == DEV_SECRET or len(self.secret_key) < 32
        if self.env == "production" and weak:
            raise ValueError("DAWNA_SECRET_KEY must be set to a random value of 32+ characters")
        return self

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies everywhere but plain-HTTP development unless set explicitly."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.env == "production"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.site_timezone)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
