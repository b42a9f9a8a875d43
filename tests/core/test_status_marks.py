"""Each status reads without colour: a letter in the matrix, a symbol on its
badge, both kept on the Status choices."""

from django.template import Context, Template

from assessments.models import Status


def test_every_status_has_its_own_letter_and_symbol():
    assert [(s.letter, s.symbol) for s in Status] == [
        ("–", "○"),
        ("P", "◔"),
        ("I", "◑"),
        ("A", "✔"),
        ("L", "✖"),
    ]


def test_the_badge_and_the_matrix_cells_use_them():
    html = Template(
        "{% load progress_tags %}{% status_badge 'lapsed' %}{% matrix_cells statuses %}"
    ).render(Context({"statuses": ["planning", "achieved"]}))
    assert "✖" in html
    assert '<span aria-hidden="true">P</span><span class="visually-hidden">Planning</span>' in html
    assert '<span aria-hidden="true">A</span><span class="visually-hidden">Achieved</span>' in html
