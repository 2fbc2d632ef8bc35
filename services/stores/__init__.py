"""Stores and staff: stores, opening hours, staff profiles, assignments, time off."""
