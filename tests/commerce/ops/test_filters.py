"""The feed's filter form: what it takes from the query string, and which new orders it shows."""

from datetime import date

from django.http import QueryDict

from commerce.ops.filters import STATUSES, FeedFilter, feed_filter


def test_feed_filter_accepts_new_rows_only_for_today():
    today = date(2025, 3, 15)
    assert FeedFilter().accepts(today) == [code for code, _ in STATUSES]
    assert FeedFilter(status="paid").accepts(today) == ["paid"]
    assert FeedFilter(status="paid", day=today).accepts(today) == ["paid"]
    assert FeedFilter(day=date(2025, 3, 14)).accepts(today) == []


def test_bad_filters_are_ignored_and_said():
    flt = feed_filter(QueryDict("status=lost&date=yesterday"))

    assert (flt.status, flt.day, flt.active) == ("", None, False)
    assert flt.error == "Unknown status: showing every status. That is not a date (YYYY-MM-DD): showing every day."
