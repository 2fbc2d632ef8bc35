"""Bulk operations (up to 1,000 rows a call) that run each row through the single operation's
own service code, under an error policy, with per-row results and call-level idempotency."""
