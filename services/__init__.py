"""Domain logic. Knows nothing of GraphQL or HTTP; every function is brand-scoped."""
