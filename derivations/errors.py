"""The one exception type that edges turn into a one-line message and exit code 2."""


class UsageError(Exception):
    """Bad input from a user: the message says what was wrong, where, and what is allowed."""
