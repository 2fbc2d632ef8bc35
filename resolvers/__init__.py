"""Thin resolvers: turn GraphQL arguments into service calls, and load nested data in batches."""
