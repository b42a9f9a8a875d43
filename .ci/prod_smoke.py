"""Production smoke checks against a running gunicorn (called by .ci/prod-smoke).

Standard library only. Every request carries the headers a TLS-terminating
proxy would add, because the app redirects plain HTTP to HTTPS. Cookies are
Secure, so they are kept here by hand rather than by a cookie jar that would
refuse to send them over the plain-HTTP hop.

    python .ci/prod_smoke.py --port 8123 --username U --task-force "Name" \
        [--access-log FILE] [--error-log FILE] \
        [--evidence-root DIR --task-force-slug SLUG]   # password in SMOKE_PASSWORD

Prints one line per check; exits 1 with a message at the first failure.
"""

from __future__ import annotations

import argparse
import html
import http.client
import os
import re
import secrets
import sys
import time
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

CLIENT_IP = "203.0.113.7"  # TEST-NET-3: a documentation address
ROOT = Path(__file__).resolve().parent.parent
# The milestone every task force has (fixtures/stages.json, loaded by load_stages).
EVIDENCE_MILESTONE = "task-force-mou"


class Failed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def ok(message: str) -> None:
    print(f"ok  {message}", flush=True)


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        behind_proxy: bool = True,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> Response:
        """`files` (field: (file name, content)) sends `body` and them as
        multipart/form-data, as a browser's upload form does."""
        all_headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "prod-smoke"}
        if behind_proxy:
            all_headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT_IP}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if files is not None:
            data, all_headers["Content-Type"] = multipart(body or {}, files)
        elif body is not None:
            data = urlencode(body).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        all_headers |= headers or {}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=all_headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(value)
            for name, morsel in SimpleCookie(value).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """The body and Content-Type of a multipart/form-data POST. Every file
    claims to be a PDF, as a browser would say of a file named .pdf: the app
    must judge the content, not the claim."""
    boundary = f"----prod-smoke-{secrets.token_hex(12)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class PageParser(HTMLParser):
    """The forms (with their inputs) and the static asset URLs of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.assets: list[str] = []
        self._form: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "inputs": []}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and a.get("name"):
            self._form["inputs"].append(a)
        elif tag == "link" and a.get("href", "").startswith("/static/"):
            self.assets.append(a["href"])
        elif tag == "script" and a.get("src", "").startswith("/static/"):
            self.assets.append(a["src"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def parse(page: Response) -> PageParser:
    parser = PageParser()
    parser.feed(page.text)
    return parser


def check_healthz(client: Client) -> None:
    r = client.request("GET", "/readyz")
    check(r.status == 200 and r.text.strip() == "ok", f"GET /readyz: {r.status} {r.text[:200]!r}")
    # /healthz also asks for the job worker, started beside gunicorn; its
    # first heartbeat may take a moment after start-up.
    for _ in range(50):
        r = client.request("GET", "/healthz")
        if r.status == 200:
            break
        time.sleep(0.2)
    check(r.status == 200, f"GET /healthz: {r.status}, expected 200: {r.text[:200]!r}")
    check(r.text.strip() == "ok", f"GET /healthz: body {r.text[:200]!r}, expected 'ok'")
    ok("readyz and healthz 200 ok (database, and a worker's heartbeat)")


def check_https_redirect(client: Client) -> None:
    r = client.request("GET", "/accounts/login/", behind_proxy=False)
    location = r.header("Location")
    check(
        r.status == 301 and location.startswith("https://"),
        f"plain HTTP (no X-Forwarded-Proto): {r.status} to {location!r}, expected 301 to https://",
    )
    ok(f"plain http redirects to https ({r.status} {location})")


def check_login_page_headers(client: Client) -> Response:
    r = client.request("GET", "/accounts/login/")
    check(r.status == 200, f"GET /accounts/login/: {r.status}, expected 200")
    ok("login page 200")
    expected = {
        "Strict-Transport-Security": r"max-age=\d+",
        "Content-Security-Policy": r"default-src 'self'",
        "X-Content-Type-Options": r"^nosniff$",
        "X-Frame-Options": r"^DENY$",
        "Referrer-Policy": r"\S",
        "Cross-Origin-Opener-Policy": r"\S",
    }
    for name, pattern in expected.items():
        value = r.header(name)
        check(bool(re.search(pattern, value)), f"login page header {name}: {value!r}")
        ok(f"header {name}: {value[:60]}{'...' if len(value) > 60 else ''}")
    return r


def check_static(client: Client, login_page: Response) -> None:
    hashed = [a for a in parse(login_page).assets if re.search(r"\.[0-9a-f]{12}\.\w+$", a)]
    check(bool(hashed), "no hashed /static/ asset in the login page (collectstatic, manifest?)")
    asset = next((a for a in hashed if "/site." in a), hashed[0])
    r = client.request("GET", asset)
    check(r.status == 200 and r.body, f"GET {asset}: {r.status}, {len(r.body)} bytes")
    cache_control = r.header("Cache-Control")
    max_age = re.search(r"max-age=(\d+)", cache_control)
    check(
        max_age is not None and int(max_age.group(1)) >= 365 * 24 * 3600,
        f"GET {asset}: Cache-Control {cache_control!r}, expected max-age of a year or more",
    )
    ok(f"static {asset} 200, Cache-Control: {cache_control}")


def log_in(client: Client, username: str, password: str) -> None:
    page = client.request("GET", "/accounts/login/")
    check(page.status == 200, f"GET /accounts/login/: {page.status}")
    forms = [f for f in parse(page).forms if any(i.get("type") == "password" for i in f["inputs"])]
    check(len(forms) == 1, f"expected one form with a password field, found {len(forms)}")
    form = forms[0]
    fields = {
        i["name"]: i.get("value", "")
        for i in form["inputs"]
        if i.get("type") not in ("checkbox", "radio", "submit") or "checked" in i
    }
    check("csrfmiddlewaretoken" in fields, f"no CSRF token in the login form: {sorted(fields)}")
    check("csrftoken" in client.cookies, "the login page set no csrftoken cookie")
    # django-two-factor-auth's wizard prefixes its fields with the step name.
    prefix = "auth-" if "auth-username" in fields else ""
    check(f"{prefix}username" in fields, f"no username field in the login form: {sorted(fields)}")
    fields[f"{prefix}username"] = username
    fields[f"{prefix}password"] = password
    kind = "two-factor wizard" if prefix else "Django form"
    action = form["action"] or "/accounts/login/"
    session_before = client.cookies.get("sessionid")
    r = client.request(
        "POST",
        action,
        body=fields,
        headers={"Referer": f"{client.origin}/accounts/login/", "Origin": client.origin},
    )
    location = r.header("Location")
    check(
        r.status == 302 and urlsplit(location).path == "/",
        f"log in ({kind}, fields {sorted(fields)}): {r.status} to {location!r}, "
        "expected 302 to the dashboard"
        + (" (server error: see gunicorn's log)" if r.status >= 500 else f": {r.text[:300]!r}"),
    )
    check(
        client.cookies.get("sessionid") not in (None, session_before),
        "logged in, but no new session cookie was set (a session must get a new key at login)",
    )
    session_cookie = [c for c in client.set_cookie_headers if c.startswith("sessionid=")][-1]
    flags = session_cookie.lower()
    check(
        "secure" in flags and "httponly" in flags,
        f"session cookie is not Secure and HttpOnly: {session_cookie}",
    )
    ok(f"log in through the {kind}: 302 to {location}, new session cookie, Secure, HttpOnly")


def check_dashboard(client: Client, task_force: str) -> None:
    r = client.request("GET", "/")
    check(r.status == 200, f"GET / logged in: {r.status}, expected 200")
    check(html.escape(task_force) in r.text, f"dashboard does not show {task_force!r}")
    ok(f"dashboard 200 shows {task_force!r}")


def check_access_log(client: Client, access_log: str) -> None:
    token = secrets.token_urlsafe(16)
    r = client.request("GET", f"/p/{token}/")
    check(r.status == 404, f"GET /p/<unknown token>/: {r.status}, expected 404")
    deadline = time.monotonic() + 5
    while True:
        with open(access_log, encoding="utf-8", errors="replace") as f:
            log = f.read()
        if "/p/<token>/" in log or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(token not in log, "the access log contains a partner link's token")
    check("/p/<token>/" in log, "no masked /p/<token>/ line in the access log")
    invitation = secrets.token_urlsafe(16)
    r = client.request("GET", f"/invitations/accept/{invitation}/")
    check(r.status == 404, f"GET /invitations/accept/<unknown>/: {r.status}, expected 404")
    deadline = time.monotonic() + 5
    while "/invitations/accept/<token>/" not in log and time.monotonic() < deadline:
        time.sleep(0.1)
        with open(access_log, encoding="utf-8", errors="replace") as f:
            log = f.read()
    check(invitation not in log, "the access log contains an invitation's token")
    check("/invitations/accept/<token>/" in log, "no masked invitation line in the access log")
    ok("access log masks partner and invitation tokens")


def _wait_for(path: str, text: str) -> str:
    deadline = time.monotonic() + 5
    while True:
        with open(path, encoding="utf-8", errors="replace") as f:
            log = f.read()
        if text in log or time.monotonic() > deadline:
            return log
        time.sleep(0.1)


def check_app_log(client: Client, error_log: str) -> None:
    """Django's own request warnings ("Not Found: /p/...") go to gunicorn's
    error log; link checkers send HEAD."""
    token = secrets.token_urlsafe(16)
    r = client.request("HEAD", f"/p/{token}/")
    check(r.status == 404, f"HEAD /p/<unknown token>/: {r.status}, expected 404 (as GET)")
    check(r.body == b"", f"HEAD /p/<unknown token>/ sent a body of {len(r.body)} bytes")
    r = client.request("HEAD", "/healthz")
    check(r.status == 200 and r.body == b"", f"HEAD /healthz: {r.status}, {len(r.body)} bytes")
    log = _wait_for(error_log, "Not Found: /p/<token>/")
    check(token not in log, "the app's log contains a partner link's token")
    check("Not Found: /p/<token>/" in log, "no masked 'Not Found: /p/<token>/' in the app's log")
    ok("HEAD answered as GET; the app's log masks partner tokens")


def _stored_files(evidence_root: str) -> list[Path]:
    return sorted(path for path in Path(evidence_root).rglob("*") if path.is_file())


def _upload(
    client: Client, form: dict, page: str, *, statement: bool, file: tuple[str, bytes]
) -> tuple[Response, str]:
    fields = {i["name"]: i.get("value", "") for i in form["inputs"] if i.get("type") == "hidden"}
    fields["title"] = f"Smoke upload {secrets.token_hex(4)}"
    if statement:
        fields["statement"] = "on"
    r = client.request(
        "POST",
        form["action"],
        body=fields,
        files={"file": file},
        headers={"Referer": f"{client.origin}{page}", "Origin": client.origin},
    )
    check(r.status < 500, f"upload to {form['action']}: {r.status} (see gunicorn's log)")
    return r, fields["title"]


def check_evidence(client: Client, slug: str, evidence_root: str) -> None:
    """Upload the sample MOU through the milestone's evidence page, see it
    stored under a generated name in DJANGO_EVIDENCE_ROOT, refuse an upload
    without the statement and a web page named .pdf, and download it only
    with the session."""
    page = f"/task-forces/{slug}/milestones/{EVIDENCE_MILESTONE}/evidence/"
    r = client.request("GET", page)
    check(r.status == 200, f"GET {page}: {r.status}, expected 200")
    forms = [f for f in parse(r).forms if any(i.get("type") == "file" for i in f["inputs"])]
    check(len(forms) == 1, f"{page}: expected one upload form, found {len(forms)}")
    form = forms[0]
    names = {i["name"] for i in form["inputs"]}
    check({"csrfmiddlewaretoken", "statement"} <= names, f"upload form's fields: {sorted(names)}")
    ok(f"evidence page {page} 200, upload form with CSRF token and statement")

    sample = (ROOT / "tests" / "evidence_samples" / "mou.pdf").read_bytes()
    before = _stored_files(evidence_root)
    r, title = _upload(client, form, page, statement=True, file=("mou.pdf", sample))
    location = r.header("Location")
    check(
        r.status == 302 and urlsplit(location).path == page,
        f"upload mou.pdf: {r.status} to {location!r}, expected 302 to {page}: {r.text[:300]!r}",
    )
    r = client.request("GET", page)
    check(r.status == 200 and html.escape(title) in r.text, f"{page} does not list {title!r}")
    downloads = re.findall(rf'href="({re.escape(page)}(\d+)/download/)"', r.text)
    check(len(downloads) == 1, f"{page}: expected one download link, found {downloads}")
    ok(f"upload mou.pdf with the statement: 302 to the evidence page, {title!r} listed")

    stored = [path for path in _stored_files(evidence_root) if path not in before]
    check(len(stored) == 1, f"expected one new file in {evidence_root}, found {stored}")
    path = stored[0]
    check(
        re.fullmatch(r"[0-9a-f]{32}\.pdf", path.name) is not None,
        f"stored as {path.name!r}, expected a generated name (not the uploader's)",
    )
    check(path.read_bytes() == sample, f"{path} does not hold the uploaded bytes")
    mode = path.stat().st_mode & 0o777
    check(mode == 0o640, f"{path} has mode {mode:o}, expected 640")
    ok(f"stored in DJANGO_EVIDENCE_ROOT as {path.relative_to(evidence_root)} (mode 640)")

    count = len(_stored_files(evidence_root))
    refusals = [
        ("without the statement", False, ("mou.pdf", sample), "Tick the statement"),
        (
            "a web page named .pdf",
            True,
            ("mou.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
            "web page",
        ),
    ]
    for what, statement, file, error in refusals:
        r, _ = _upload(client, form, page, statement=statement, file=file)
        check(
            (r.status == 200 and error in r.text) or 400 <= r.status < 500,
            f"upload {what}: {r.status}, expected 4xx or 200 with {error!r}: {r.text[:300]!r}",
        )
        after = len(_stored_files(evidence_root))
        check(after == count, f"upload {what}: {after - count} file(s) stored, expected none")
        shown = ", the error shown" if r.status == 200 else ""
        ok(f"upload {what} refused ({r.status}{shown}); nothing stored")

    url, _ = downloads[0]
    r = client.request("GET", url)
    check(r.status == 200, f"GET {url}: {r.status}, expected 200")
    expected = {
        "Content-Disposition": r"^attachment;",
        "X-Content-Type-Options": r"^nosniff$",
        "Content-Security-Policy": r"\bsandbox\b",
    }
    for name, pattern in expected.items():
        value = r.header(name)
        check(bool(re.search(pattern, value)), f"download header {name}: {value!r}")
    check(r.body == sample, f"download: {len(r.body)} bytes differ from the {len(sample)} uploaded")
    csp = r.header("Content-Security-Policy")
    ok(f"download 200, attachment, nosniff, CSP {csp!r}, same bytes")

    anonymous = Client(client.port)
    r = anonymous.request("GET", url)
    location = urlsplit(r.header("Location")).path
    check(
        (r.status == 302 and location == "/accounts/login/") or r.status == 404,
        f"GET {url} without the session: {r.status} to {location!r}, expected login or 404",
    )
    check(sample not in r.body, f"GET {url} without the session sent the file")
    ok(f"download without the session: {r.status}{f' to {location}' if location else ''}, no file")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--task-force", required=True, help="its name, shown on the dashboard")
    parser.add_argument("--access-log", help="gunicorn's access log, checked for tokens")
    parser.add_argument("--error-log", help="gunicorn's error log (the app's), checked too")
    parser.add_argument("--evidence-root", help="DJANGO_EVIDENCE_ROOT: upload and download")
    parser.add_argument("--task-force-slug", help="the task force's slug, for its evidence")
    args = parser.parse_args()
    password = os.environ.get("SMOKE_PASSWORD", "")
    client = Client(args.port)
    try:
        check(bool(password), "SMOKE_PASSWORD is not set")
        check_healthz(client)
        check_https_redirect(client)
        login_page = check_login_page_headers(client)
        check_static(client, login_page)
        log_in(client, args.username, password)
        check_dashboard(client, args.task_force)
        if args.access_log:
            check_access_log(client, args.access_log)
        if args.error_log:
            check_app_log(client, args.error_log)
        if args.evidence_root:
            check(bool(args.task_force_slug), "--evidence-root needs --task-force-slug")
            check_evidence(client, args.task_force_slug, args.evidence_root)
    except Failed as failure:
        print(f"FAIL {failure}", file=sys.stderr, flush=True)
        return 1
    except OSError as error:
        print(f"FAIL talking to 127.0.0.1:{args.port}: {error!r}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
