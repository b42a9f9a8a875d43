from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

# Long enough for any passphrase; short enough that hashing it costs nothing.
PASSWORD_MAX_LENGTH = 1024


class _BoundedCredentialsMixin:
    """Django's login form sets the username's max_length after the field is
    built, so the length is never validated: an over-long username would reach
    the lockout's database table (255 characters) and fail on PostgreSQL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
        self.fields["password"].validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))


class LoginForm(_BoundedCredentialsMixin, AuthenticationForm):
    pass


class AdminLoginForm(_BoundedCredentialsMixin, AdminAuthenticationForm):
    pass
