"""The sign-in form's fields: the first step of django-two-factor-auth's wizard."""


def login_data(username: str, password: str) -> dict[str, str]:
    return {"login_view-current_step": "auth", "auth-username": username, "auth-password": password}
