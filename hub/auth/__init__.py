"""Users, roles, web login and API tokens."""
