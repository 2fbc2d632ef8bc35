"""Bookable services, the booking policy, availability, bookings and their life cycle."""
