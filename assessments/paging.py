"""Pagination without the COUNT query where the answer is already known."""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Page, Paginator


class CountedPaginator(Paginator):
    """A paginator told its count, so it does not ask the database for it
    (or wrap an annotated query, with its join and GROUP BY, in a COUNT)."""

    def __init__(self, object_list, per_page: int, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def paginate(
    object_list, per_page: int, number, *, first_page: Callable[[int], list] | None = None
) -> Page:
    """`Paginator(object_list, per_page).get_page(number)`, one query cheaper
    on a first page that holds everything (most task forces' lists): a first
    page shorter than `per_page` is the whole list, so its length is the count.
    `first_page(per_page)`, if given, reads the first page (the same rows as
    `object_list[:per_page]`, read another way)."""
    if number in (None, "", "1", 1):
        first = first_page(per_page) if first_page else list(object_list[:per_page])
        count = len(first) if len(first) < per_page else object_list.count()
        return Page(first, 1, CountedPaginator(object_list, per_page, count=count))
    return Paginator(object_list, per_page).get_page(number)
