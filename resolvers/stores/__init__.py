"""Stores and staff: global ids in, services called, loaders."""
