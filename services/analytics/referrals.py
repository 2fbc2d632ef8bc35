"""The referral rate over a report range: the share of the range's new customers who signed
up through a referral (services/referrals/report.py counts both)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from services.analytics.periods import DateRange, midnight
from services.referrals.report import referred_sign_ups


@dataclass(frozen=True)
class ReferralRate:
    referred_sign_ups: int
    new_customers: int

    @property
    def rate(self) -> float | None:
        return self.referred_sign_ups / self.new_customers if self.new_customers else None


async def referral_rate(brand_id: int, found: DateRange, zone: ZoneInfo) -> ReferralRate:
    start = midnight(found.start, zone)
    end = midnight(found.end + timedelta(days=1), zone)
    return ReferralRate(*await referred_sign_ups(brand_id, start, end))
