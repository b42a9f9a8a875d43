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

from bench.common import BENCH_PASSWORD, CACHE_VARIABLES, ROOT, VENV_BIN


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`gunicorn bench.wsgi -w WORKERS` on a free port, stopped on exit."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, name: str = "gunicorn"):
        self.port = free_port()
        self.name = name
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tempfile.gettempdir()) / f"bench-{name}-{self.port}.log"
        self._log = self.log_path.open("wb")
        full_env = {**os.environ, **env}
        # The same cache for every instance, when one is configured.
        for variable in CACHE_VARIABLES:
            if os.environ.get(variable):
                full_env[variable] = os.environ[variable]
        self.process = subprocess.Popen(  # noqa: S603 - fixed command, our own venv
            [
                str(VENV_BIN / "gunicorn"),
                "bench.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(ROOT),
                # Not the repo's production gunicorn.conf.py (access log,
                # worker recycling): the benchmark measures the app alone.
                "--config",
                os.devnull,
            ],
            env=full_env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; its log:\n{self.log_tail()}")
            try:
                if HttpSession(self.base).get("/livez").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer /livez in {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # our own child, by its pid
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


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
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(response.status, response.msg, content)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.request("POST", path, data)

    def login(self, username: str, password: str = BENCH_PASSWORD) -> str:
        """Log in through the login form; returns the session id."""
        page = self.get("/accounts/login/")
        if page.status != 200:
            raise RuntimeError(f"{self.base}/accounts/login/ answered {page.status}")
        form = FormFields.parse(page.body)
        response = self.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": form.values["csrfmiddlewaretoken"],
                # The sign-in page is django-two-factor-auth's wizard; its
                # first step takes the username and password.
                "login_view-current_step": "auth",
                "auth-username": username,
                "auth-password": password,
            },
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(
                f"Logging in as {username} on {self.base} failed: {response.status} "
                f"{response.location or _text_excerpt(response.body)}"
            )
        return self.cookies["sessionid"]


class FormFields(HTMLParser):
    """Values of the inputs, textareas and selected options in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    @classmethod
    def parse(cls, html: str) -> FormFields:
        parser = cls()
        parser.feed(html)
        return parser

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


def _text_excerpt(html: str, length: int = 200) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()[:length]
