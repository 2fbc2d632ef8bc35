"""Loyalty: purchases, memberships and tiers, the points ledger, and their scheduled jobs."""
