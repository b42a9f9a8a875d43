"""What pages, files and messages call a person."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

NO_NAME = "an account without a name"


def person_name(user: AbstractBaseUser | None) -> str:
    """The account's full name, else its e-mail address: never its username,
    which is a sign-in code (often made up by whoever created the account),
    not a name. "someone" for no account."""
    if user is None:
        return "someone"
    return user.get_full_name().strip() or (getattr(user, "email", "") or "").strip() or NO_NAME
