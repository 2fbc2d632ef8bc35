"""Domain errors: what a mutation reports back as `errors: [{field, code, message}]`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    CONFLICT = "CONFLICT"
    TOO_LONG = "TOO_LONG"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    REFUND_EXCEEDS_PURCHASE = "REFUND_EXCEEDS_PURCHASE"
    UNKNOWN_TIER = "UNKNOWN_TIER"
    # tickets and surveys
    INVALID_TRANSITION = "INVALID_TRANSITION"
    UNKNOWN_CATEGORY = "UNKNOWN_CATEGORY"
    UNKNOWN_ROOT_CAUSE = "UNKNOWN_ROOT_CAUSE"
    TICKET_CLOSED = "TICKET_CLOSED"
    NOT_RESOLVED = "NOT_RESOLVED"
    ALREADY_RATED = "ALREADY_RATED"
    INVALID_ANSWER = "INVALID_ANSWER"
    ALREADY_ANSWERED = "ALREADY_ANSWERED"
    SURVEY_CLOSED = "SURVEY_CLOSED"
    # offers and coupons
    COUPON_ALREADY_REDEEMED = "COUPON_ALREADY_REDEEMED"
    COUPON_EXPIRED = "COUPON_EXPIRED"
    COUPON_VOID = "COUPON_VOID"
    COUPON_NOT_OWNED = "COUPON_NOT_OWNED"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED"
    LIMIT_REACHED = "LIMIT_REACHED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    BELOW_MINIMUM_PURCHASE = "BELOW_MINIMUM_PURCHASE"
    OFFER_INACTIVE = "OFFER_INACTIVE"
    # campaigns
    CAMPAIGN_ENDED = "CAMPAIGN_ENDED"
    # partner apps and privacy
    SCOPE_NOT_HELD = "SCOPE_NOT_HELD"
    ENCRYPTION_UNAVAILABLE = "ENCRYPTION_UNAVAILABLE"
    # appointments
    SLOT_TAKEN = "SLOT_TAKEN"
    SLOT_UNAVAILABLE = "SLOT_UNAVAILABLE"
    OUTSIDE_BOOKING_WINDOW = "OUTSIDE_BOOKING_WINDOW"
    PRIORITY_ONLY = "PRIORITY_ONLY"
    BOOKING_SUSPENDED = "BOOKING_SUSPENDED"
    LATE_CHANGE = "LATE_CHANGE"
    # referrals
    SELF_REFERRAL = "SELF_REFERRAL"
    ALREADY_REFERRED = "ALREADY_REFERRED"
    REFERRAL_LIMIT_REACHED = "REFERRAL_LIMIT_REACHED"
    REFERRALS_DISABLED = "REFERRALS_DISABLED"
    # behaviour tracking
    UNKNOWN_EVENT_NAME = "UNKNOWN_EVENT_NAME"
    TIME_OUT_OF_RANGE = "TIME_OUT_OF_RANGE"
    INVALID_PROPERTIES = "INVALID_PROPERTIES"
    # onboarding: custom attributes, upsert, bulk operations
    UNKNOWN_ATTRIBUTE = "UNKNOWN_ATTRIBUTE"
    WRONG_ATTRIBUTE_TYPE = "WRONG_ATTRIBUTE_TYPE"
    POSSIBLE_DUPLICATE = "POSSIBLE_DUPLICATE"
    TOO_MANY_ROWS = "TOO_MANY_ROWS"


@dataclass(frozen=True)
class FieldError:
    field: str | None
    code: ErrorCode
    message: str
    related_id: str | None = None


class DomainError(Exception):
    """Raised by services; the transaction rolls back and the errors go to the client."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    @classmethod
    def single(
        cls, field: str | None, code: ErrorCode, message: str, related_id: str | None = None
    ) -> DomainError:
        return cls([FieldError(field, code, message, related_id)])


class ErrorCollector:
    """Gathers every validation error of one input before raising them together."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str | None, code: ErrorCode, message: str) -> None:
        self.errors.append(FieldError(field, code, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise DomainError(self.errors)
