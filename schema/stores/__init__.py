"""Stores and staff: types, inputs, queries, mutations."""
