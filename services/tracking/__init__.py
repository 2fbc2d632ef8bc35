"""Behaviour tracking: the event vocabulary, ingestion and stitching, public write keys."""
