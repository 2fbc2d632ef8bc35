"""Complaint tickets: the state machine, SLA clocks, configuration, listing and statistics."""
