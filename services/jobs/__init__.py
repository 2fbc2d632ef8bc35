"""Background jobs: a registry of handlers by kind, the runner that claims and runs them, and
their files on disk with signed upload and download URLs (docs/jobs.md)."""
