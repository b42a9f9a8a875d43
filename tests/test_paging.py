"""paginate(): Paginator.get_page, without a COUNT when the first page holds everything."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import TaskForce
from assessments.paging import paginate
from tests.factories import TaskForceFactory


@pytest.fixture
def five(db):
    return TaskForceFactory.create_batch(5)


def _paged(number, per_page):
    with CaptureQueriesContext(connection) as queries:
        page = paginate(TaskForce.objects.order_by("name"), per_page, number)
        names = [tf.name for tf in page.object_list]
        facts = (page.number, page.paginator.count, page.paginator.num_pages, names)
    return facts, len(queries)


@pytest.mark.parametrize("number", [None, "", "1", 1])
def test_a_short_first_page_is_the_whole_list_in_one_query(five, number):
    (page_number, count, pages, names), queries = _paged(number, per_page=10)
    assert (page_number, count, pages) == (1, 5, 1)
    assert names == sorted(tf.name for tf in five)
    assert queries == 1


def test_a_full_first_page_asks_for_the_count(five):
    (page_number, count, pages, names), queries = _paged(None, per_page=2)
    assert (page_number, count, pages, len(names)) == (1, 5, 3, 2)
    assert queries == 2


@pytest.mark.parametrize(("number", "expected"), [("2", 2), ("3", 3), ("99", 3), ("x", 1)])
def test_other_pages_behave_like_get_page(five, number, expected):
    (page_number, count, pages, names), _ = _paged(number, per_page=2)
    assert (page_number, count, pages) == (expected, 5, 3)
    assert names == sorted(tf.name for tf in five)[(expected - 1) * 2 : expected * 2]


def test_an_empty_list_is_one_empty_page(db):
    (page_number, count, pages, names), queries = _paged(None, per_page=10)
    assert (page_number, count, pages, names) == (1, 0, 1, [])
    assert queries == 1
