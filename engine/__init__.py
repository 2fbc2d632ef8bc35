"""The GraphQL execution engine and the request policies, shared by every entry point."""
