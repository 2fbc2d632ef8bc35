"""Saved rule-based segments: the rule grammar and its compilation to SQL."""
