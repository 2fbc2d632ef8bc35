"""The `crm` command line (also `python -m cli`)."""
