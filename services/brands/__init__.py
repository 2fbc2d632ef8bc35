"""Brands (tenants): settings, partner apps, staff users, credentials, query allow-lists,
the demo brand."""
