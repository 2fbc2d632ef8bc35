"""Settings read from CRM_* environment variables; see docs/configuration.md."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_VAR_DIR = Path("var")
ENVIRONMENTS = ("development", "production")


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _public_keys(raw: str) -> dict[str, str]:
    """Parse "kid1=/path/a.pem,kid2=/path/b.pem" into {kid: PEM text}."""
    keys: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        kid, _, path = item.partition("=")
        keys[kid.strip()] = Path(path.strip()).read_text()
    return keys


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None = None
    jwt_secret: str = ""
    jwt_algorithm: str = "HS256"
    jwt_private_key: str | None = None
    jwt_key_id: str | None = None
    jwt_public_keys: dict[str, str] = field(default_factory=dict)
    jwt_issuer: str = "crm"
    jwt_audience: str = "crm-api"
    jwt_leeway_seconds: int = 30
    app_token_ttl_seconds: int = 3600
    staff_token_ttl_seconds: int = 8 * 3600
    graphiql: bool = True
    introspection: bool = True
    # development or production (CRM_ENV); production changes defaults, e.g. the one below.
    environment: str = "development"
    # Introspection and "Did you mean" hints for callers without a token (engine/introspection).
    anonymous_introspection: bool = True
    debug: bool = False
    redis_prefix: str = "crm"
    max_body_bytes: int = 1_000_000
    max_batch_operations: int = 10
    max_query_cost: int = 10_000
    # Hostile input (docs/api-conventions.md, "Limits"): items in any list argument; how long
    # validating a new document may run; how long one SQL statement may run on PostgreSQL; the
    # size of a document stored as an automatic persisted query.
    max_list_length: int = 2_000
    validation_budget_ms: int = 300
    statement_timeout_ms: int = 15_000
    max_persisted_query_bytes: int = 100_000
    max_concurrent_requests: int = 10  # GraphQL POSTs a worker executes at once (0: no limit)
    # 429 answers wait min(Retry-After, this) before they are sent, at most `slots` at once per
    # process (engine/tarpit.py; 0: sent at once).
    refusal_delay_ms: int = 1_000
    refusal_delay_slots: int = 256
    rate_limit_per_second: float = 2_000.0
    rate_limit_burst: float = 20_000.0
    notices: tuple[str, ...] = ()
    # Live events and webhooks (docs/realtime.md).
    events_retention_hours: float = 24.0
    events_poll_seconds: float = 0.5
    # A worker with the relay off only serves subscribers (events reach it through Redis).
    events_relay: bool = True
    # How often an idle subscription re-reads the outbox (a safety net behind the broker).
    events_recheck_seconds: float = 5.0
    # How often open websockets' tokens are re-checked (behind the broker's revocation notices).
    ws_token_recheck_seconds: float = 5.0
    webhook_allow_private: bool = False
    webhook_max_attempts: int = 8
    webhook_retry_base_seconds: float = 5.0
    webhook_disable_after: int = 20
    webhook_timeout_seconds: float = 10.0
    # Operators (docs/operations.md): JSON request logs on standard output; /metrics' token.
    request_log: bool = False
    metrics_token: str | None = None
    # Background jobs and their files (docs/jobs.md).
    var_dir: Path = DEFAULT_VAR_DIR
    jobs_runner: bool = True  # claim and run jobs in this process
    jobs_poll_seconds: float = 1.0
    jobs_lease_seconds: float = 60.0
    file_url_secret: str = ""  # signs upload/download URLs; derived from the JWT key if empty
    file_url_ttl_seconds: int = 900
    max_upload_bytes: int = 2_000_000_000
    public_url: str = ""  # the base of URLs handed out (behind a proxy); the request's if empty
    # Personal data at rest (docs/privacy.md): data keys by id, the one sealing new values, and
    # the key of the lookup hashes (each 32 bytes, base64).
    data_keys: dict[str, str] = field(default_factory=dict)
    data_key_id: str | None = None
    data_lookup_key: str | None = None
    # The tracking beacon (docs/analytics.md): events a second per write key, and per key and
    # client address; the burst is what a bucket holds.
    tracking_key_events_per_second: float = 500.0
    tracking_key_burst: float = 5_000.0
    tracking_client_events_per_second: float = 20.0
    tracking_client_burst: float = 500.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        var_dir = Path(env.get("CRM_VAR_DIR", str(DEFAULT_VAR_DIR)))
        notices: list[str] = []
        database_url = env.get("CRM_DATABASE_URL", "")
        if not database_url:
            var_dir.mkdir(parents=True, exist_ok=True)
            database_url = f"sqlite://{var_dir / 'crm.sqlite3'}"
            notices.append(f"CRM_DATABASE_URL not set: using SQLite at {var_dir / 'crm.sqlite3'}")
        algorithm = env.get("CRM_JWT_ALGORITHM", "HS256").upper()
        secret = env.get("CRM_JWT_SECRET", "")
        if not secret and algorithm == "HS256":
            secret = _dev_secret(var_dir)
            notices.append(
                f"CRM_JWT_SECRET not set: using a generated development secret in {var_dir}"
            )
        private_key_path = env.get("CRM_JWT_PRIVATE_KEY_FILE")
        environment = (env.get("CRM_ENV") or "development").strip().lower()
        if environment not in ENVIRONMENTS:
            raise ValueError(
                f"CRM_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}"
            )
        production = environment == "production"
        return cls(
            database_url=database_url,
            redis_url=env.get("CRM_REDIS_URL") or None,
            jwt_secret=secret,
            jwt_algorithm=algorithm,
            jwt_private_key=Path(private_key_path).read_text() if private_key_path else None,
            jwt_key_id=env.get("CRM_JWT_KEY_ID") or None,
            jwt_public_keys=_public_keys(env.get("CRM_JWT_PUBLIC_KEYS", "")),
            jwt_issuer=env.get("CRM_JWT_ISSUER", "crm"),
            jwt_audience=env.get("CRM_JWT_AUDIENCE", "crm-api"),
            jwt_leeway_seconds=int(env.get("CRM_JWT_LEEWAY_SECONDS", "30")),
            app_token_ttl_seconds=int(env.get("CRM_APP_TOKEN_TTL_SECONDS", "3600")),
            staff_token_ttl_seconds=int(env.get("CRM_STAFF_TOKEN_TTL_SECONDS", str(8 * 3600))),
            graphiql=_bool(env.get("CRM_GRAPHIQL"), True),
            introspection=_bool(env.get("CRM_INTROSPECTION"), True),
            environment=environment,
            anonymous_introspection=_bool(env.get("CRM_ANONYMOUS_INTROSPECTION"), not production),
            debug=_bool(env.get("CRM_DEBUG"), False),
            redis_prefix=env.get("CRM_REDIS_PREFIX", "crm"),
            max_body_bytes=int(env.get("CRM_MAX_BODY_BYTES", "1000000")),
            max_batch_operations=int(env.get("CRM_MAX_BATCH_OPERATIONS", "10")),
            max_query_cost=int(env.get("CRM_MAX_QUERY_COST", "10000")),
            max_list_length=int(env.get("CRM_MAX_LIST_LENGTH") or 2000),
            validation_budget_ms=int(env.get("CRM_VALIDATION_BUDGET_MS") or 300),
            statement_timeout_ms=int(env.get("CRM_STATEMENT_TIMEOUT_MS") or 15000),
            max_persisted_query_bytes=int(env.get("CRM_MAX_PERSISTED_QUERY_BYTES") or 100_000),
            max_concurrent_requests=int(env.get("CRM_MAX_CONCURRENT_REQUESTS") or 10),
            refusal_delay_ms=int(env.get("CRM_REFUSAL_DELAY_MS") or 1000),
            refusal_delay_slots=int(env.get("CRM_REFUSAL_DELAY_SLOTS") or 256),
            rate_limit_per_second=float(env.get("CRM_RATE_LIMIT_PER_SECOND", "2000")),
            rate_limit_burst=float(env.get("CRM_RATE_LIMIT_BURST", "20000")),
            notices=tuple(notices),
            events_retention_hours=float(env.get("CRM_EVENTS_RETENTION_HOURS") or 24),
            events_poll_seconds=float(env.get("CRM_EVENTS_POLL_SECONDS") or 0.5),
            events_relay=_bool(env.get("CRM_EVENTS_RELAY"), True),
            events_recheck_seconds=float(env.get("CRM_EVENTS_RECHECK_SECONDS") or 5),
            ws_token_recheck_seconds=float(env.get("CRM_WS_TOKEN_RECHECK_SECONDS") or 5),
            webhook_allow_private=_bool(env.get("CRM_WEBHOOK_ALLOW_PRIVATE"), False),
            webhook_max_attempts=int(env.get("CRM_WEBHOOK_MAX_ATTEMPTS") or 8),
            webhook_retry_base_seconds=float(env.get("CRM_WEBHOOK_RETRY_BASE_SECONDS") or 5),
            webhook_disable_after=int(env.get("CRM_WEBHOOK_DISABLE_AFTER") or 20),
            webhook_timeout_seconds=float(env.get("CRM_WEBHOOK_TIMEOUT_SECONDS") or 10),
            request_log=env.get("CRM_REQUEST_LOG", "").strip().lower() == "json",
            metrics_token=env.get("CRM_METRICS_TOKEN") or None,
            var_dir=var_dir,
            jobs_runner=_bool(env.get("CRM_JOBS_RUNNER"), True),
            jobs_poll_seconds=float(env.get("CRM_JOBS_POLL_SECONDS") or 1),
            jobs_lease_seconds=float(env.get("CRM_JOBS_LEASE_SECONDS") or 60),
            file_url_secret=env.get("CRM_FILE_URL_SECRET", ""),
            file_url_ttl_seconds=int(env.get("CRM_FILE_URL_TTL_SECONDS") or 900),
            max_upload_bytes=int(env.get("CRM_MAX_UPLOAD_BYTES") or 2_000_000_000),
            public_url=env.get("CRM_PUBLIC_URL", ""),
            data_keys=_data_keys(env.get("CRM_DATA_KEYS", "")),
            data_key_id=env.get("CRM_DATA_KEY_ID") or None,
            data_lookup_key=env.get("CRM_DATA_LOOKUP_KEY") or None,
            tracking_key_events_per_second=float(env.get("CRM_TRACKING_KEY_RATE") or 500),
            tracking_key_burst=float(env.get("CRM_TRACKING_KEY_BURST") or 5000),
            tracking_client_events_per_second=float(env.get("CRM_TRACKING_CLIENT_RATE") or 20),
            tracking_client_burst=float(env.get("CRM_TRACKING_CLIENT_BURST") or 500),
        )


def _data_keys(raw: str) -> dict[str, str]:
    """Parse "k1=<base64>,k2=<base64>" into {key id: key}."""
    keys: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        kid, _, key = item.partition("=")
        keys[kid.strip()] = key.strip()
    return keys


def _dev_secret(var_dir: Path) -> str:
    """A secret kept under var/ so that printed demo tokens survive a restart."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "dev-jwt-secret"
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
