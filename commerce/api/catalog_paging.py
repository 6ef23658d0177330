"""A cursor for lists whose sort the caller chooses (the catalog's newest, price, name).

ninja's CursorPagination keeps the first ordering field's value and an offset among equal values; past
100 equal values (a bulk load's one `created_at`, a hundred products at 10.00) its cursor cannot be
made. This one keeps the first field's value and the primary key, so a position names exactly one
row and any number of equal values walk through in pk order. The ordering is read from the queryset
(`order_by(field, pk)`, both in the same direction); a cursor from another sort is refused (422).
"""

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from .errors import ApiError
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
        descending = [field.startswith("-") for field in ordering]
        if len(ordering) != 2 or ordering[1].lstrip("-") not in {"pk", "id"} or descending[0] != descending[1]:
            raise ValueError(f"KeysetCursor needs order_by(field, pk) in one direction, not {ordering}")
        # A paginator per call: the decorator's instance is shared by every thread serving requests.
        sorted_by = _Sorted(ordering=ordering, page_size=self.page_size, max_page_size=self.max_page_size)
        page = sorted_by.paginate_queryset(queryset, pagination, request, **params)
        page["results"] = [self.shape(request, row) for row in page["results"]]
        return page


class _Sorted(SignedCursor):
    """ninja's cursor pagination with a position of (the first field's value, the pk)."""

    def _get_position(self, item: Any) -> str:
        return json.dumps([self._order_attribute, str(getattr(item, self._order_attribute)), item.pk])

    def _find_position(self, queryset: QuerySet[Any], cursor: Any) -> QuerySet[Any]:
        if cursor.p is None:
            return queryset
        try:
            field, value, pk = json.loads(cursor.p)
        except (ValueError, TypeError) as exc:
            raise _stale() from exc
        if field != self._order_attribute or not isinstance(pk, int):
            raise _stale()
        # From this row on (it included), in the direction the page is read.
        after = "gt" if cursor.r == self._order_attribute_reversed else "lt"
        pk_from = "gte" if after == "gt" else "lte"
        try:
            return queryset.filter(Q(**{f"{field}__{after}": value}) | Q(**{field: value, f"pk__{pk_from}": pk}))
        except (DjangoValidationError, ValueError, TypeError) as exc:
            raise _stale() from exc


def _stale() -> ApiError:
    return ApiError.invalid("cursor", "This cursor belongs to another sort or list: start again from the first page.")
