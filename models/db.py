"""Tortoise configuration, start-up and migrations."""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api.migrate import migrate

APP_LABEL = "crm"
MODEL_MODULES = ["models.brands", "models.customers", "models.audit", "models.loyalty"]


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """Skips the reset statement asyncpg sends each time a connection goes back to the pool.

    The ORM takes a pooled connection per statement, so the default reset (advisory unlock,
    CLOSE ALL, UNLISTEN, RESET ALL) doubled the round trips. Nothing here holds session state:
    no session advisory locks, cursors, LISTEN or SET; an open transaction is still rolled back.
    """

    def get_reset_query(self) -> str:
        return ""


def _connection(url: str, statement_timeout_ms: int) -> str | dict[str, Any]:
    if not url.startswith("postgres://"):
        return url
    config = expand_db_url(url)
    config["engine"] = "models.pg_client"  # asyncpg, with transaction starts that fail cleanly
    config["credentials"]["connection_class"] = PooledConnection
    if statement_timeout_ms > 0:
        # Set when each pooled connection opens: no statement of a request (or a job in the
        # server process) runs past it, at no cost per statement.
        config["credentials"]["server_settings"] = {"statement_timeout": str(statement_timeout_ms)}
    return config


def tortoise_config(database_url: str, statement_timeout_ms: int = 0) -> dict[str, Any]:
    """`statement_timeout_ms` (PostgreSQL; 0: none) is the server's CRM_STATEMENT_TIMEOUT_MS."""
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    return {
        "connections": {"default": _connection(url, statement_timeout_ms)},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            },
            "events": {  # live events (outbox, webhooks); migrates after `crm`
                "models": ["models.events"],
                "default_connection": "default",
                "migrations": "models.events_migrations",
            },
            "service": {  # tickets and surveys; migrates after `crm`
                "models": ["models.tickets", "models.surveys"],
                "default_connection": "default",
                "migrations": "models.service_migrations",
            },
            "segments": {  # saved customer segments; migrates after `service`
                "models": ["models.segments"],
                "default_connection": "default",
                "migrations": "models.segments_migrations",
            },
            "offers": {  # offers and coupons; migrates after `segments`
                "models": ["models.offers"],
                "default_connection": "default",
                "migrations": "models.offers_migrations",
            },
            "campaigns": {  # campaigns, their offers and members; migrates after `offers`
                "models": ["models.campaigns"],
                "default_connection": "default",
                "migrations": "models.campaigns_migrations",
            },
            "partners": {  # apps' rotated secrets and daily usage; migrates after `crm`
                "models": ["models.partners"],
                "default_connection": "default",
                "migrations": "models.partners_migrations",
            },
            "privacy": {  # consent per channel, encryption opt-in; migrates after `crm`
                "models": ["models.privacy"],
                "default_connection": "default",
                "migrations": "models.privacy_migrations",
            },
            "jobs": {  # background jobs (imports, exports); migrates after `crm`
                "models": ["models.jobs"],
                "default_connection": "default",
                "migrations": "models.jobs_migrations",
            },
            "stores": {  # stores, staff, bookable services, appointments; after `campaigns`
                "models": ["models.stores", "models.appointments"],
                "default_connection": "default",
                "migrations": "models.stores_migrations",
            },
            "referrals": {  # referral codes, referrals and rewards; after `stores`
                "models": ["models.referrals"],
                "default_connection": "default",
                "migrations": "models.referrals_migrations",
            },
            "analytics": {  # tracked events, cached reports and models; migrates after `crm`
                "models": ["models.analytics", "models.analytics_cache"],
                "default_connection": "default",
                "migrations": "models.analytics_migrations",
            },
            "attributes": {  # brand-defined customer attributes; migrates after `crm`
                "models": ["models.attributes"],
                "default_connection": "default",
                "migrations": "models.attributes_migrations",
            },
            "bulk": {  # answers of bulk calls, for retries; migrates after `crm`
                "models": ["models.bulk"],
                "default_connection": "default",
                "migrations": "models.bulk_migrations",
            },
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def run_migrations(database_url: str) -> None:
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def init_db(database_url: str, statement_timeout_ms: int = 0) -> None:
    await Tortoise.init(
        config=tortoise_config(database_url, statement_timeout_ms), _enable_global_fallback=True
    )


async def close_db() -> None:
    await Tortoise.close_connections()


# Used by the `tortoise` CLI for `makemigrations` (developers only); state comes from files.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")
