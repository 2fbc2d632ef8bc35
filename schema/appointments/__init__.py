"""Appointments: services, availability, booking, life cycle, policy, analytics."""
