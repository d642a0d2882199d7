"""Identity: the built-in OAuth 2 authorization server, token verification, principals and guards."""
