"""File imports and exports as background jobs (services/jobs): CSV or NDJSON, streamed, in
chunks, resumable (docs/onboarding.md)."""
