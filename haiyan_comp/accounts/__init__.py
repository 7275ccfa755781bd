"""People and machines that may use the service: users, sign-in sessions, API tokens."""
