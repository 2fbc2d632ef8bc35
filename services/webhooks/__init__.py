"""Partner webhook endpoints (delivery is events.webhooks)."""
