"""A cursor for lists whose sort the caller chooses (the catalog's newest, price, name).

SignedCursor (pagination.py) with the ordering read from the queryset (`order_by(field, pk)`, both in
the same direction), so one operation serves every sort; a cursor from another sort is refused (422).
"""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from .pagination import SignedCursor

Shape = Callable[[HttpRequest, Any], dict[str, Any]]


class KeysetCursor(SignedCursor):
    """`@paginate(KeysetCursor, shape=fn)`: the operation returns an ordered queryset; each row of the
    page becomes `shape(request, row)` (a dict for the answer's schema)."""

    def __init__(self, *, shape: Shape, **kwargs: Any) -> None:
        kwargs.setdefault("ordering", ("-created_at", "-pk"))
        super().__init__(**kwargs)
        self.shape = shape

    def paginate_queryset(self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any) -> Any:
        ordering = tuple(str(field) for field in queryset.query.order_by) or self.ordering
        # A paginator per call (it checks the ordering): the decorator's instance is shared by every thread.
        sorted_by = SignedCursor(ordering=ordering, page_size=self.page_size, max_page_size=self.max_page_size)
        page = sorted_by.paginate_queryset(queryset, pagination, request, **params)
        page["results"] = [self.shape(request, row) for row in page["results"]]
        return page
