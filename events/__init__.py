"""Live events: outbox, broker, relay and webhooks. Imports models and config only."""
