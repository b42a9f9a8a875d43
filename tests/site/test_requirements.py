"""What each requirements file installs: production gets the runtime only."""

import re
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = {"pytest", "pytest-django", "ruff", "playwright", "factory-boy", "hypothesis"}


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_runtime_requirements_hold_no_test_or_lint_tools():
    runtime = _pins(ROOT / "requirements.txt")
    assert "django" in runtime
    assert DEV_ONLY.isdisjoint(runtime), DEV_ONLY & runtime.keys()


def test_development_requirements_add_the_tools_on_top_of_the_runtime():
    dev_file = ROOT / "requirements-dev.txt"
    assert "-r requirements.txt" in dev_file.read_text().splitlines()
    dev = _pins(dev_file)
    assert dev.keys() >= DEV_ONLY
    # One pin per package across both files, so they cannot disagree.
    assert set(dev).isdisjoint(_pins(ROOT / "requirements.txt"))


def test_django_has_the_december_2026_security_release():
    assert django.VERSION[:2] == (5, 2)
    assert django.VERSION[2] >= 20
