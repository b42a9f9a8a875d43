"""gunicorn instances for the throughput and scale-out checks, and a small
HTTP client that logs in like a browser. It keeps cookies itself: with DEBUG
off they are Secure, and http.cookiejar never sends those over plain HTTP."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import runpy
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

REPO_CONFIG = ROOT / "gunicorn.conf.py"


def repo_config_workers() -> int:
    """How many workers the repo's gunicorn.conf.py starts on this machine."""
    return int(runpy.run_path(str(REPO_CONFIG))["workers"])


class Gunicorn:
    """gunicorn on a free port with the benchmark's environment (CACHE_URL or
    REDIS_URL too, when set, so instances share one cache); ready on entry,
    stopped on exit."""

    def __init__(self, *, workers: int = 2, name: str = "gunicorn", repo_config: bool = False):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.name, self.base = name, f"http://127.0.0.1:{port}"
        self.log_path = Path(tempfile.gettempdir()) / f"bench-{name}-{port}.log"
        self._log = self.log_path.open("wb")
        command = [VENV_BIN / "gunicorn", "taskforce_site.wsgi:application"]
        if repo_config:
            # As deployed (the load test): the repo's workers, access log and
            # worker recycling; only the address is the benchmark's.
            command += [f"--config={REPO_CONFIG}"]
        else:
            # The throughput and scale-out checks measure the app alone: no
            # access log, no worker recycling, a fixed number of workers.
            command += [f"--workers={workers}", f"--config={os.devnull}"]
        command += [f"--bind=127.0.0.1:{port}"]
        self.process = subprocess.Popen(  # noqa: S603 - fixed command, our own venv
            command, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )

    def __enter__(self) -> Gunicorn:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(OSError):  # not listening yet
                if HttpSession(self.base).get("/livez").status == 200:
                    return self
            time.sleep(0.2)
        tail = self.log_tail()
        self.__exit__()
        raise RuntimeError(f"{self.name} did not answer /livez within 30 s; its log:\n{tail}")

    def log_tail(self, lines: int = 40) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __exit__(self, *exc) -> None:
        self.process.terminate()  # our own child, by its pid; nothing if it has exited
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
        headers = {"Host": host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
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
        """Log in through the sign-in page (django-two-factor-auth's wizard,
        whose first step takes the password); returns the session id."""
        page = self.get("/accounts/login/")
        if page.status != 200:
            raise RuntimeError(f"{self.base}/accounts/login/ answered {page.status}")
        response = self.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": form_values(page.body)["csrfmiddlewaretoken"],
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


class _FormFields(HTMLParser):
    """Values of the inputs, textareas and selected options in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            if attributes.get("type") not in ("checkbox", "radio") or "checked" in attributes:
                self.values.setdefault(name, attributes.get("value") or "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self.values[self._select] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag in ("select", "textarea"):
            self._select = self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(html)
    return parser.values
