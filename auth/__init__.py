"""JWT tokens, principals, scopes, permission classes and the request context."""
