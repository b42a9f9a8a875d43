"""gunicorn instances for the throughput and scale-out checks, and a small
HTTP client that logs in like a browser.

The client keeps cookies itself: with DEBUG off the session and CSRF cookies
are Secure, which http.cookiejar would never send over plain HTTP.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench.common import BENCH_PASSWORD, ROOT, VENV_BIN


class Gunicorn:
    """`gunicorn taskforce_site.wsgi -w WORKERS` on a free port with the
    benchmark's environment (CACHE_URL/REDIS_URL included, when set, so that
    every instance shares one cache); ready on entry, stopped on exit."""

    def __init__(self, *, workers: int = 2, name: str = "gunicorn"):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.name = name
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = Path(tempfile.gettempdir()) / f"bench-{name}-{port}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - fixed command, our own venv
            [
                str(VENV_BIN / "gunicorn"),
                "taskforce_site.wsgi:application",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{port}",
                # Not the repo's production gunicorn.conf.py (access log,
                # worker recycling): the benchmark measures the app alone.
                f"--config={os.devnull}",
            ],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def __enter__(self) -> Gunicorn:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if HttpSession(self.base).get("/livez").status == 200:
                    return self
            except OSError:
                pass  # not listening yet
            time.sleep(0.2)
        tail = self.log_tail()
        self.__exit__()
        raise RuntimeError(f"{self.name} did not answer /livez within 30 s; its log:\n{tail}")

    def log_tail(self, lines: int = 40) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # our own child, by its pid
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        self.log_path.unlink(missing_ok=True)


@dataclass
class Response:
    status: int
    location: str
    body: str


@dataclass
class HttpSession:
    """Plain-HTTP requests to one server, keeping its cookies (Secure or not)."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        host, port = self.base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        headers = {"Host": host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            body = urlencode(data) if data is not None else None
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(response.status, response.getheader("Location", ""), content)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.request("POST", path, data)

    def login(self, username: str) -> str:
        """Log in through the login form; returns the session id."""
        page = self.get("/accounts/login/")
        if page.status != 200:
            raise RuntimeError(f"{self.base}/accounts/login/ answered {page.status}")
        response = self.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": form_values(page.body)["csrfmiddlewaretoken"],
                # The sign-in page is django-two-factor-auth's wizard; its
                # first step takes the username and password.
                "login_view-current_step": "auth",
                "auth-username": username,
                "auth-password": BENCH_PASSWORD,
            },
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.body)).strip()
            raise RuntimeError(
                f"Logging in as {username} on {self.base} failed: {response.status} "
                f"{response.location or text[:200]}"
            )
        return self.cookies["sessionid"]


def form_values(html: str) -> dict[str, str]:
    """Values of the inputs, textareas and selected options in a page."""
    parser = _FormFields()
    parser.feed(html)
    return parser.values


class _FormFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            if attributes.get("type") in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.values.setdefault(name, attributes.get("value") or "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self.values[self._select] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data
