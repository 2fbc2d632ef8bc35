"""Per-brand service settings: categories, root causes, reopen window, loop, SLA policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from models.surveys import Survey
from models.tickets import ServiceSettings, SlaPolicy
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.tickets.sla import validate_hours

SEVERITIES = ("LOW", "NORMAL", "HIGH", "URGENT")
CHANNELS = ("APP", "WEB", "PHONE", "EMAIL", "WECHAT", "WEIBO", "DOUYIN", "STORE", "OTHER")
MAX_LABEL = 64
# What a brand can use before it configures its own (docs/service.md): a new brand can open and
# resolve tickets out of the box. `NPS_FOLLOW_UP` is the detractor loop's default category.
DEFAULT_CATEGORIES = (
    "product_quality",
    "service",
    "staff",
    "waiting_time",
    "billing",
    "loyalty_points",
    "offers_coupons",
    "booking",
    "delivery",
    "app_or_website",
    "hygiene",
    "other",
    "NPS_FOLLOW_UP",
)
DEFAULT_ROOT_CAUSES = (
    "staff_training",
    "process",
    "product_defect",
    "supplier",
    "system_error",
    "policy",
    "communication",
    "customer_expectation",
    "external",
    "other",
)


def _defaults() -> dict[str, list[str]]:
    return {"categories": list(DEFAULT_CATEGORIES), "root_causes": list(DEFAULT_ROOT_CAUSES)}


async def get_settings(brand_id: int) -> ServiceSettings:
    """The brand's settings (the defaults, unsaved, when never configured)."""
    found = await ServiceSettings.get_or_none(brand_id=brand_id)
    return found or ServiceSettings(brand_id=brand_id, **_defaults())


@dataclass(frozen=True)
class SettingsChange:
    categories: list[str] | None = None
    root_causes: list[str] | None = None
    reopen_days: int | None = None
    detractor_follow_up: bool | None = None
    follow_up_category: str | None = None
    follow_up_survey_id: int | None = None
    resolution_survey_id: int | None = None
    purchase_survey_id: int | None = None
    clear_follow_up_survey: bool = False
    clear_resolution_survey: bool = False
    clear_purchase_survey: bool = False
    business_hours: dict[str, Any] | None = None
    clear_business_hours: bool = False


def _labels(values: list[str], field: str, errors: ErrorCollector) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        value = value.strip()
        if not value or len(value) > MAX_LABEL:
            errors.add(field, ErrorCode.INVALID, f"labels must have 1 to {MAX_LABEL} characters")
        elif value not in cleaned:
            cleaned.append(value)
    return cleaned


async def _check_survey(brand_id: int, survey_id: int | None, field: str) -> None:
    if survey_id is not None and not await Survey.exists(brand_id=brand_id, id=survey_id):
        raise DomainError.single(field, ErrorCode.NOT_FOUND, "survey not found")


async def configure(actor: Actor, change: SettingsChange) -> ServiceSettings:
    errors = ErrorCollector()
    values: dict[str, Any] = {}
    if change.categories is not None:
        values["categories"] = _labels(change.categories, "categories", errors)
    if change.root_causes is not None:
        values["root_causes"] = _labels(change.root_causes, "rootCauses", errors)
    if change.reopen_days is not None:
        if not 0 <= change.reopen_days <= 365:
            errors.add("reopenDays", ErrorCode.INVALID, "reopenDays must be 0 to 365")
        values["reopen_days"] = change.reopen_days
    if change.detractor_follow_up is not None:
        values["detractor_follow_up"] = change.detractor_follow_up
    if change.follow_up_category is not None:
        label = _labels([change.follow_up_category], "followUpCategory", errors)
        values["follow_up_category"] = label[0] if label else ""
    if change.business_hours is not None:
        hours = change.business_hours
        problem = validate_hours(hours["start_minute"], hours["end_minute"], hours["weekdays"])
        if problem:
            errors.add("businessHours", ErrorCode.INVALID, problem)
        values["business_hours"] = hours
    elif change.clear_business_hours:
        values["business_hours"] = None
    errors.raise_if_any()
    await _check_survey(actor.brand_id, change.follow_up_survey_id, "followUpSurveyId")
    await _check_survey(actor.brand_id, change.resolution_survey_id, "resolutionSurveyId")
    await _check_survey(actor.brand_id, change.purchase_survey_id, "purchaseSurveyId")
    if change.follow_up_survey_id is not None or change.clear_follow_up_survey:
        values["follow_up_survey_id"] = change.follow_up_survey_id
    if change.resolution_survey_id is not None or change.clear_resolution_survey:
        values["resolution_survey_id"] = change.resolution_survey_id
    if change.purchase_survey_id is not None or change.clear_purchase_survey:
        values["purchase_survey_id"] = change.purchase_survey_id
    async with in_transaction():
        settings = await ServiceSettings.select_for_update().get_or_none(brand_id=actor.brand_id)
        if settings is None:  # the first change keeps the defaults it does not replace
            settings = await ServiceSettings.create(
                brand_id=actor.brand_id, **{**_defaults(), **values}
            )
        else:
            settings.update_from_dict(values)
            await settings.save()
        await audit.record(
            actor, "configureTickets", "ServiceSettings", settings.id, {"fields": sorted(values)}
        )
    return settings


async def set_sla_policy(
    actor: Actor,
    severity: str,
    first_response_minutes: int,
    resolution_minutes: int,
    business_hours: bool,
) -> SlaPolicy:
    errors = ErrorCollector()
    if severity not in SEVERITIES:
        errors.add("severity", ErrorCode.INVALID, f"severity must be one of {SEVERITIES}")
    if first_response_minutes <= 0:
        errors.add("firstResponseMinutes", ErrorCode.INVALID, "must be positive")
    if resolution_minutes <= 0:
        errors.add("resolutionMinutes", ErrorCode.INVALID, "must be positive")
    errors.raise_if_any()
    if business_hours and (await get_settings(actor.brand_id)).business_hours is None:
        raise DomainError.single(
            "businessHours", ErrorCode.INVALID, "configure the brand's business hours first"
        )
    async with in_transaction():
        policy = await SlaPolicy.select_for_update().get_or_none(
            brand_id=actor.brand_id, severity=severity
        )
        values: dict[str, Any] = {
            "first_response_minutes": first_response_minutes,
            "resolution_minutes": resolution_minutes,
            "business_hours": business_hours,
        }
        if policy is None:
            policy = await SlaPolicy.create(brand_id=actor.brand_id, severity=severity, **values)
        else:
            policy.update_from_dict(values)
            await policy.save()
        await audit.record(actor, "setSlaPolicy", "SlaPolicy", policy.id, {"severity": severity})
    return policy


async def sla_policies(brand_id: int) -> list[SlaPolicy]:
    rows = await SlaPolicy.filter(brand_id=brand_id)
    return sorted(rows, key=lambda p: SEVERITIES.index(p.severity))
