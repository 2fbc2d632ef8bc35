"""Referrals: codes, attribution, the programme settings and report."""
