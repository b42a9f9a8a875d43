"""Tests run on a fixed day (tests/conftest.py), never on the day they run."""

import datetime

from django.utils import timezone

from tests.conftest import _test_today


def test_every_test_starts_on_the_same_fixed_day():
    assert timezone.localdate() == _test_today().date()
    assert datetime.date.today() == _test_today().date()


def test_the_clock_still_moves_forward_within_a_test():
    first = timezone.now()
    second = timezone.now()
    assert second >= first
    assert second - _test_today() < datetime.timedelta(minutes=10)
