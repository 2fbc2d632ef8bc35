"""Offers and coupons: definition, eligibility, claims, issuance, schedules and redemption."""
