"""Referrals: the customer fields, the programme, the report."""
