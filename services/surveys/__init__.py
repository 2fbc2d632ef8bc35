"""Surveys: definitions, invitations, answers and NPS."""
