"""Campaigns: drafts, launch with a holdout, and their statistics."""
