"""Appointments: bookable services, availability, bookings, policy, analytics."""
