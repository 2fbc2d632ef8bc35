"""Tortoise configuration, start-up and migrations."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate

APP_LABEL = "crm"
MODEL_MODULES = ["models.brands", "models.customers", "models.audit", "models.loyalty"]


def tortoise_config(database_url: str) -> dict[str, Any]:
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    return {
        "connections": {"default": url},
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
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def run_migrations(database_url: str) -> None:
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def init_db(database_url: str) -> None:
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


# Used by the `tortoise` CLI for `makemigrations` (developers only); state comes from files.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")
