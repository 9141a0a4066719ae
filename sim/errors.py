"""User-facing errors: a mistake in input gets a message, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A mistake by the user (bad file, value, flag). The CLI prints it and exits with 2.

    >>> str(UserError("scenarios/x.toml: field 'days': must be > 0"))
    "scenarios/x.toml: field 'days': must be > 0"
    """

    exit_code = 2
