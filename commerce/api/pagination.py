"""Cursor pagination for lists: `?cursor=` is signed, so a forged or stale one is a clear 422, never a 500.

Lists answer {"next": url | null, "previous": url | null, "results": [...]} in a fixed order:
`ordering` is one field, then the primary key, in one direction (or the primary key alone). A
position is (that field's value, the pk), so it names exactly one row and any number of equal
values (a bulk load's one `created_at`) walk through in pk order; ninja's own position (the value
and an offset among equals) cannot be made past 100 equal values. Use with ninja's paginate:

    @router.get("/orders", response=answers({200: list[OrderOut]}))
    @paginate(SignedCursor, ordering=("-created_at", "-pk"))
    def orders(request): ...
"""

import json
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from ninja import Field, Schema
from ninja.pagination import CursorPagination

from .errors import ApiError

SALT = "commerce.api.cursor"


class SignedCursor(CursorPagination):
    """Page sizes not given read API_PAGE_SIZE / API_MAX_PAGE_SIZE at each call (not once, when the
    decorator ran at import), so a changed setting applies to every list at once."""

    class Input(Schema):
        page_size: int | None = Field(
            None, ge=1, description="Rows per page (the store's default when left out; larger asks are capped)."
        )
        cursor: str | None = Field(None, description="From a previous answer's next or previous address.")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("page_size", 0)
        kwargs.setdefault("max_page_size", 0)
        super().__init__(**kwargs)
        ordering = tuple(self.ordering)
        descending = [field.startswith("-") for field in ordering]
        by_pk = len(ordering) == 1 and ordering[0].lstrip("-") in {"pk", "id"}
        if not by_pk and (
            len(ordering) != 2 or ordering[1].lstrip("-") not in {"pk", "id"} or len(set(descending)) > 1
        ):
            raise ValueError(f"SignedCursor needs ordering (field, pk) in one direction, or the pk, not {ordering}")

    @property
    def page_size(self) -> int:
        return self._page_size or int(settings.API_PAGE_SIZE)

    @page_size.setter
    def page_size(self, value: int) -> None:
        self._page_size = value

    @property
    def max_page_size(self) -> int:
        return self._max_page_size or int(settings.API_MAX_PAGE_SIZE)

    @max_page_size.setter
    def max_page_size(self, value: int) -> None:
        self._max_page_size = value

    class Cursor(CursorPagination.Cursor):
        @classmethod
        def from_encoded_param(cls, encoded_param: str | None, context: Any = None) -> "SignedCursor.Cursor":
            if not encoded_param:
                return cls()
            try:
                data = signing.loads(encoded_param, salt=SALT)
                return cls.model_validate(data, context=context)
            except (signing.BadSignature, ValueError, TypeError) as exc:
                raise ApiError.invalid("cursor", "This cursor is not valid: start again from the first page.") from exc

        def encode_as_param(self) -> str:
            return signing.dumps(self.model_dump(exclude_defaults=True, exclude_none=True), salt=SALT, compress=True)

    def _get_page_size(self, requested_page_size: int | None) -> int:
        if requested_page_size is not None and requested_page_size < 1:
            raise ApiError.invalid("page_size", "page_size must be at least 1.")
        return int(super()._get_page_size(requested_page_size))

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
