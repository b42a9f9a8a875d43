"""The documentation stays true: a short README, no broken links between the
pages, and the docs that code and configuration files point to exist.

Anchors follow GitHub's rule for headings: lower case, punctuation dropped,
spaces made hyphens, a repeated heading numbered (-1, -2, ...).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
README_MAX_LINES = 250

# The Markdown pages whose links are checked.
PAGES = sorted([README, ROOT / "bench" / "README.md", *(ROOT / "docs").rglob("*.md")])

# Where code and configuration files are looked for (not tools' or vendored files).
SKIPPED_DIRS = {
    ".git",
    ".venv",
    "__pycache__",
    ".hypothesis",
    ".pytest_cache",
    ".ruff_cache",
    "node_modules",
    "vendor",
    "staticfiles",
    "e2e-screenshots",
    "evidence",
}
CODE_SUFFIXES = {".py", ".txt", ".toml", ".html", ".cfg", ".ini", ".sh"}
CODE_NAMES = {"Makefile", "run", "prod-smoke"}

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"`+[^`]*`+")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
DOC_REFERENCE = re.compile(r"(?<![\w/.])((?:docs|bench)/[\w./-]*?\.md)(#[\w-]+)?")
BARE_README = re.compile(r"\bREADME\b(?!\.md)")


def _prose_lines(text: str):
    """The lines outside fenced code blocks, with their line numbers."""
    in_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            yield number, line


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for _, line in _prose_lines(path.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links(path: Path):
    """(line number, target) of every link in prose, code spans left out."""
    for number, line in _prose_lines(path.read_text(encoding="utf-8")):
        for match in LINK.finditer(INLINE_CODE.sub("", line)):
            yield number, match.group(1)


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    problems = []
    for number, target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # https:, mailto: ...: not checked here
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(root)}:{number}: {target}"
        if not destination.exists():
            problems.append(f"{where}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            problems.append(f"{where}: no heading #{anchor} in {destination.name}")
    return problems


def code_files():
    for path in ROOT.rglob("*"):
        if any(part in SKIPPED_DIRS for part in path.relative_to(ROOT).parts):
            continue
        if path.is_file() and (path.suffix in CODE_SUFFIXES or path.name in CODE_NAMES):
            yield path


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines; keep it to {README_MAX_LINES} and move the rest to docs/"
    )


def test_the_pages_are_found():
    names = {str(page.relative_to(ROOT)) for page in PAGES}
    for required in (
        "docs/configuration.md",
        "docs/deploying.md",
        "docs/security.md",
        "docs/development.md",
        "docs/user-guide/coordinators.md",
        "docs/user-guide/program-managers.md",
        "docs/user-guide/partners.md",
        "docs/user-guide/admins.md",
    ):
        assert required in names


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


def test_a_broken_link_is_caught(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## A section\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "[fine](other.md#a-section) [fine too](#page) `[in code](nowhere.md)`\n\n"
        "```\n[in a fence](nowhere.md)\n```\n\n"
        "[no file](missing.md) [no heading](other.md#no-such-section)\n"
    )
    assert broken_links(page, root=tmp_path) == [
        "page.md:9: missing.md: no such file",
        "page.md:9: other.md#no-such-section: no heading #no-such-section in other.md",
    ]


def test_anchors_follow_github():
    assert slug("nginx in front (HTTPS)") == "nginx-in-front-https"
    assert slug("Database, static files, first admin") == "database-static-files-first-admin"
    assert slug("E-mail reminders") == "e-mail-reminders"
    assert slug("`purge_evidence`") == "purge_evidence"


def test_gunicorn_conf_points_to_the_deploying_guide():
    text = (ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    references = [match.group(1) for match in DOC_REFERENCE.finditer(text)]
    assert "docs/deploying.md" in references
    for reference in references:
        assert (ROOT / reference).is_file(), reference


def test_docs_named_in_code_exist():
    """A docs page (and #anchor) that code or configuration names must exist."""
    problems = []
    for path in code_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in DOC_REFERENCE.finditer(text):
            reference, anchor = match.group(1), (match.group(2) or "")[1:]
            target = ROOT / reference
            where = f"{path.relative_to(ROOT)}: {reference}{'#' + anchor if anchor else ''}"
            if not target.is_file():
                problems.append(f"{where}: no such file")
            elif anchor and anchor not in anchors(target):
                problems.append(f"{where}: no such heading")
    assert problems == []


def test_code_cites_docs_not_readme_sections():
    """The README is a short front page: code points to docs/ instead."""
    problems = []
    for path in code_files():
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1
        ):
            if BARE_README.search(line):
                problems.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert problems == []
