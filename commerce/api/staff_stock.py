"""API: staff: stock levels (stock:read), and changing them (stock:write) through inventory's stock_adjust,
so the live stock figures, back-in-stock alerts, the wishlist, the ops low-stock panel and search follow."""

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.params.functions import Query

from commerce.alerts.selectors import waiting_count
from commerce.catalog.models import Variant
from commerce.inventory.services import STOCK_MAX, stock_adjust

from .auth import caller
from .body import BodyIn
from .errors import ApiError, answers
from .pagination import SignedCursor
from .staff_schemas import Text

router = Router(tags=["Staff: stock"])


class StockOut(Schema):
    sku: str
    product: str = Field(description="The product's name.")
    product_slug: str
    name: str = Field(description="The option's name (size, colour...).")
    stock: int = Field(description="Units on hand, not held by a checkout.")
    low: bool = Field(description="At or below the store's low-stock threshold (0 included).")
    is_active: bool = Field(description="On sale.")
    waiting: int = Field(description="People waiting for a back-in-stock alert for it.")

    @staticmethod
    def resolve_product(obj: Variant) -> str:
        return obj.product.name

    @staticmethod
    def resolve_product_slug(obj: Variant) -> str:
        return obj.product.slug

    @staticmethod
    def resolve_low(obj: Variant) -> bool:
        return bool(obj.stock <= settings.LOW_STOCK_THRESHOLD)

    @staticmethod
    def resolve_waiting(obj: Variant) -> int:
        return int(getattr(obj, "waiting", 0) or 0)


def _rows() -> QuerySet[Variant]:
    return Variant.objects.select_related("product").annotate(waiting=waiting_count())


@router.get("", response=answers({200: list[StockOut]}), summary="Stock levels, by SKU")
@paginate(SignedCursor, ordering=("sku", "pk"))
def staff_stock_list(
    request: HttpRequest,
    low: bool | None = Query(None, description="true: only options at or below the low-stock threshold."),  # noqa: B008
    q: Text = Query("", max_length=100, description="Part of a SKU, an option's or a product's name."),  # noqa: B008
) -> QuerySet[Variant]:
    caller(request).need("stock:read")
    rows = _rows().filter(product__deleted_at__isnull=True)
    if low is True:
        rows = rows.filter(stock__lte=settings.LOW_STOCK_THRESHOLD)
    elif low is False:
        rows = rows.filter(stock__gt=settings.LOW_STOCK_THRESHOLD)
    if q.strip():
        text = q.strip()
        rows = rows.filter(Q(sku__icontains=text) | Q(name__icontains=text) | Q(product__name__icontains=text))
    return rows.order_by("sku", "pk")


def _variant(sku: str) -> Variant:
    variant = _rows().filter(sku=sku).first()
    if variant is None:
        raise ApiError.not_found("Option")
    return variant


@router.get("/{sku}", response=answers({200: StockOut}), summary="One option's stock")
def staff_stock_read(request: HttpRequest, sku: Text) -> Variant:
    caller(request).need("stock:read")
    return _variant(sku)


class AdjustIn(BodyIn):
    delta: int = Field(
        ge=-STOCK_MAX,
        le=STOCK_MAX,
        description="Units to add (a delivery, a recount up) or, negative, to take away (damaged, lost). "
        "Not 0; the stock never goes below 0 (422, nothing changed).",
    )
    reason: Text = Field("", max_length=200, description="Why, for the logs.")


@router.post("/{sku}/adjust", response=answers({200: StockOut}), summary="Change an option's stock by some units")
def staff_stock_adjust(request: HttpRequest, sku: Text, data: AdjustIn) -> Variant:
    who = caller(request)
    who.need("stock:write")
    variant = _variant(sku)
    if data.delta == 0:
        raise ApiError.invalid("delta", "Give a change of at least one unit, up or down.")
    stock_adjust(variant=variant, delta=data.delta, actor=who.person(), reason=data.reason)
    return _variant(sku)
