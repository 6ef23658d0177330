"""The two checkout paths, compared row by row.

PostgreSQL places an order with the database function `commerce_checkout_place`
(commerce/orders/sql/); SQLite, and a cart with an earlier unpaid order, take the Python path
(`services._checkout_start`). Each case below runs the same carts through both and compares what
anyone could ever see: every row of the orders, lines, holds, events and variants, how many rows
each table holds, the errors raised, and every fragment broadcast.

The tests commit (`transaction=True`), as the store does: the view calls checkout outside a
transaction, so the function commits as it returns and its `now()` is the call's own time. Each
run starts from an empty database whose keys restart at 1 (`flush`), so the same writes get the
same keys and topics such as `stock.1` compare as they are; what must differ is named instead:
order numbers, and timestamps as seconds after their order was placed.
"""

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal as D
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import timezone

from commerce.accounts.models import User
from commerce.cart.models import Cart
from commerce.catalog.models import Product, Variant
from commerce.discounts.models import DiscountCode, DiscountRedemption
from commerce.errors import DomainError
from commerce.inventory.models import StockHold
from commerce.orders import services
from commerce.orders.models import Order, OrderEvent, OrderLine, OrderTaxLine
from commerce.shipping.models import ShippingMethod
from project.snapshots import snapshots_changed
from tests.commerce.shipping.factories import ShippingMethodFactory, ShippingZoneFactory
from tests.commerce.tax.factories import TaxRateFactory
from tests.factories import ADDRESS, CartFactory, CartLineFactory, DiscountCodeFactory, UserFactory, VariantFactory
from tests.races import wait_for_a_lock_wait

pytestmark = pytest.mark.django_db(transaction=True)

# The rows a checkout writes (or changes), compared field by field.
WRITTEN: tuple[type[models.Model], ...] = (
    Order,
    OrderLine,
    OrderTaxLine,
    StockHold,
    OrderEvent,
    Variant,
    DiscountCode,
    DiscountRedemption,
)
# Rendered clock readings: the two runs are seconds apart.
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")
CLOCK = re.compile(r"\b\d\d:\d\d\b")

Checkout = Callable[..., None]


# --- the cases: each builds its shop (the same values every time) and checks out ---------------


def tee_mug_cap(cart: Cart) -> None:
    """2 × Tee (stock 5), the last Mug (this sells it out), 3 × Cap at 9.99; added out of variant order."""
    cap = VariantFactory(product__name="Cap", product__slug="cap", name="One size", sku="CAP", price="9.99", stock=9)
    tee = VariantFactory(product__name="Tee", product__slug="tee", name="M", sku="TEE-M", price="24.00", stock=5)
    mug = VariantFactory(product__name="Mug", product__slug="mug", name="11 oz", sku="MUG", price="14.00", stock=1)
    CartLineFactory(cart=cart, variant=mug, quantity=1)
    CartLineFactory(cart=cart, variant=cap, quantity=3)
    CartLineFactory(cart=cart, variant=tee, quantity=2)


def buyer_cart() -> tuple[User, Cart]:
    user = UserFactory(email="buyer@example.com")
    cart = CartFactory(user=user)
    tee_mug_cap(cart)
    return user, cart


def case_signed_in(checkout: Checkout) -> None:
    user, cart = buyer_cart()
    checkout(cart, user)


def case_guest(checkout: Checkout) -> None:
    cart = CartFactory(user=None)
    tee_mug_cap(cart)
    checkout(cart, None, email="guest@example.com")


def case_short_of_stock(checkout: Checkout) -> None:
    user, cart = buyer_cart()
    Variant.objects.filter(sku="CAP").update(stock=2)
    checkout(cart, user)


def case_sold_out(checkout: Checkout) -> None:
    user, cart = buyer_cart()
    Variant.objects.filter(sku="MUG").update(stock=0)
    checkout(cart, user)


def case_empty_cart(checkout: Checkout) -> None:
    user = UserFactory(email="buyer@example.com")
    checkout(CartFactory(user=user), user)


def case_unavailable_lines(checkout: Checkout) -> None:
    """A withdrawn option and an unpublished product: both named, in variant order."""
    user, cart = buyer_cart()
    Variant.objects.filter(sku="TEE-M").update(is_active=False)
    Product.objects.filter(slug="cap").update(is_published=False)
    checkout(cart, user)


def case_loses_the_take(checkout: Checkout) -> None:
    """The Mug passes the first look, but a rival sale holding its row sells it while the checkout
    waits for the row: the take refuses, and everything written before it is rolled back."""
    user, cart = buyer_cart()
    with rival_sale(sku="MUG"):
        checkout(cart, user)


def case_replaces_unpaid_order(checkout: Checkout) -> None:
    """Back from the payment page, a line added, checkout again: the first order is cancelled and its
    stock returned (the database path hands this one to the Python path)."""
    user, cart = buyer_cart()
    checkout(cart, user)
    scarf = VariantFactory(product__name="Scarf", product__slug="scarf", name="Wool", sku="SCARF", price="30.00")
    CartLineFactory(cart=cart, variant=scarf, quantity=1)
    checkout(cart, user)


def selling_shop() -> None:
    """The demo's terms: Standard $5 (free over $75) and Express $15 in the US, 8% US tax on goods and
    shipping, 5.5% in Maine (the address's state, on goods only); rest of the world $5."""
    us = ShippingZoneFactory(name="United States", countries=["US"])
    ShippingMethodFactory(zone=us, name="Standard", price="5.00", free_over="75.00")
    ShippingMethodFactory(zone=us, name="Express", price="15.00")
    ShippingMethodFactory(zone__name="World", zone__countries=[], zone__is_rest_of_world=True, name="International")
    TaxRateFactory(country="US", name="Sales tax", rate="8", applies_to_shipping=True)
    TaxRateFactory(country="US", region="ME", name="Maine tax", rate="5.5")


def with_code(cart: Cart, **terms: Any) -> DiscountCode:
    code = DiscountCodeFactory(code="WELCOME10", **terms)
    Cart.objects.filter(pk=cart.pk).update(discount_code=code.code)
    cart.refresh_from_db()
    return code


def case_code_shipping_and_tax(checkout: Checkout) -> None:
    """10% off 85.97: 77.37 still ships free with Standard; each line taxed on its share after the code."""
    selling_shop()
    user, cart = buyer_cart()
    with_code(cart, usage_limit=50)
    checkout(cart, user)


def case_express_chosen_by_a_guest(checkout: Checkout) -> None:
    selling_shop()
    cart = CartFactory(user=None)
    tee_mug_cap(cart)
    with_code(cart, kind=DiscountCode.Kind.FIXED, value="10.00")
    checkout(cart, None, email="Guest@Example.com", shipping="Express")


def case_free_shipping_code_below_the_threshold(checkout: Checkout) -> None:
    selling_shop()
    user = UserFactory(email="buyer@example.com")
    cart = CartFactory(user=user)
    cap = VariantFactory(product__name="Cap", product__slug="cap", name="One size", sku="CAP", price="9.99", stock=9)
    CartLineFactory(cart=cart, variant=cap, quantity=2)
    with_code(cart, kind=DiscountCode.Kind.FREE_SHIPPING, value="0")
    checkout(cart, user, shipping="Express")


def case_code_used_up(checkout: Checkout) -> None:
    selling_shop()
    user, cart = buyer_cart()
    with_code(cart, usage_limit=1, times_used=1)
    checkout(cart, user)


def case_withdrawn_line_and_used_up_code(checkout: Checkout) -> None:
    """Two refusals at once: the withdrawn line is named first on both paths (the code's comes after)."""
    selling_shop()
    user, cart = buyer_cart()
    with_code(cart, usage_limit=1, times_used=1)
    Variant.objects.filter(sku="MUG").update(is_active=False)
    checkout(cart, user)


def case_short_line_and_used_up_code(checkout: Checkout) -> None:
    selling_shop()
    user, cart = buyer_cart()
    with_code(cart, usage_limit=1, times_used=1)
    Variant.objects.filter(sku="CAP").update(stock=1)
    checkout(cart, user)


def case_code_used_by_this_guest_before(checkout: Checkout) -> None:
    """One use per customer: the same email on a second guest cart is refused."""
    selling_shop()
    code = DiscountCodeFactory(code="ONCE", per_customer_limit=1)
    mug = VariantFactory(product__name="Mug", product__slug="mug", name="11 oz", sku="MUG", price="14.00", stock=5)
    for _ in range(2):
        cart = CartFactory(user=None)
        CartLineFactory(cart=cart, variant=mug, quantity=1)
        Cart.objects.filter(pk=cart.pk).update(discount_code=code.code)
        cart.refresh_from_db()
        checkout(cart, None, email="once@example.com")


def case_replaced_order_gives_its_use_back(checkout: Checkout) -> None:
    """A code one customer may use once: the checkout that replaces an unpaid order takes it again."""
    selling_shop()
    user, cart = buyer_cart()
    with_code(cart, per_customer_limit=1, usage_limit=1)
    checkout(cart, user)
    checkout(cart, user)


def case_address_not_shipped_to(checkout: Checkout) -> None:
    selling_shop()
    ShippingMethod.objects.filter(zone__is_rest_of_world=True).delete()
    user, cart = buyer_cart()
    checkout(cart, user, address={**ADDRESS, "country": "FR", "region": ""})


def case_method_not_serving_the_address(checkout: Checkout) -> None:
    selling_shop()
    user, cart = buyer_cart()
    checkout(cart, user, address={**ADDRESS, "country": "FR", "region": ""}, shipping="Express")


def case_billed_elsewhere(checkout: Checkout) -> None:
    selling_shop()
    user, cart = buyer_cart()
    checkout(cart, user, billing={**ADDRESS, "full_name": "Accounts Payable", "line1": "9 Ledger Lane"})


CASES = [
    case_signed_in,
    case_guest,
    case_short_of_stock,
    case_sold_out,
    case_empty_cart,
    case_unavailable_lines,
    case_loses_the_take,
    case_replaces_unpaid_order,
    case_code_shipping_and_tax,
    case_express_chosen_by_a_guest,
    case_free_shipping_code_below_the_threshold,
    case_code_used_up,
    case_withdrawn_line_and_used_up_code,
    case_short_line_and_used_up_code,
    case_code_used_by_this_guest_before,
    case_replaced_order_gives_its_use_back,
    case_address_not_shipped_to,
    case_method_not_serving_the_address,
    case_billed_elsewhere,
]


@contextmanager
def rival_sale(*, sku: str) -> Iterator[None]:
    """Another buyer holds the variant's row from before the block until someone waits for it, then
    sells the last of it and commits (each thread on its own connection)."""
    locked, release = threading.Event(), threading.Event()

    def sell() -> None:
        try:
            with transaction.atomic():
                Variant.objects.select_for_update().get(sku=sku)
                locked.set()
                release.wait(10)
                Variant.objects.filter(sku=sku).update(stock=0)
        finally:
            connection.close()

    def release_once_someone_waits() -> None:
        try:
            wait_for_a_lock_wait()
        finally:
            release.set()
            connection.close()

    rival = threading.Thread(target=sell)
    rival.start()
    assert locked.wait(10)
    watcher = threading.Thread(target=release_once_someone_waits)
    watcher.start()
    try:
        yield
    finally:
        release.set()
        watcher.join(10)
        rival.join(10)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__.removeprefix("case_"))
def test_both_paths_write_and_broadcast_the_same(case, run_on):  # type: ignore[no-untyped-def]
    database = run_on("database", case)
    python = run_on("python", case)

    assert database.results == python.results
    assert database.rows == python.rows
    assert database.counts == python.counts
    assert database.broadcasts == python.broadcasts


def test_the_comparison_sees_the_writes(run_on):  # type: ignore[no-untyped-def]
    """What the comparison above compares, once spelled out (so that it cannot pass on nothing)."""
    run = run_on("database", case_replaces_unpaid_order)

    assert run.results == ["order 1", "order 2"]
    assert [(row["order"], row["sku"], row["quantity"]) for row in run.rows["OrderLine"]] == [
        ("order 1", "CAP", 3),
        ("order 1", "TEE-M", 2),
        ("order 1", "MUG", 1),
        ("order 2", "CAP", 3),
        ("order 2", "TEE-M", 2),
        ("order 2", "MUG", 1),
        ("order 2", "SCARF", 1),
    ]
    assert [(row["order"], row["kind"], row["to_status"]) for row in run.rows["OrderEvent"]] == [
        ("order 1", "placed", "pending_payment"),
        ("order 1", "cancelled", "cancelled"),
        ("order 2", "placed", "pending_payment"),
    ]
    assert [(row["order"], row["expires_at"]) for row in run.rows["StockHold"]] == [
        ("order 1", Seconds(600)),
        ("order 2", Seconds(600)),
    ]
    assert [topic for topic, _ in run.broadcasts[0]] == ["stock.1", "stock.2", "stock.3", "ops.dashboard"]


def test_the_lost_take_is_refused_by_the_take(run_on):  # type: ignore[no-untyped-def]
    """The race case reaches the function's last step (its SQLSTATE SF001), not the first look."""
    run = run_on("database", case_loses_the_take)

    (refused,) = run.results
    assert refused == (
        "OutOfStock",
        {
            "variant_pk": "MUG",
            "name": "Mug — 11 oz",
            "wanted": 1,
            "available": 0,
            "code": "sold_out",
            "message": "Mug — 11 oz sold out while you were checking out.",
            "status": 409,
        },
    )
    assert [(row["sku"], row["stock"]) for row in run.rows["Variant"]] == [("CAP", 9), ("TEE-M", 5), ("MUG", 0)]
    assert run.counts["orders.Order"] == run.counts["inventory.StockHold"] == 0
    with connection.cursor() as cursor:  # an order was written, then rolled back
        cursor.execute("SELECT pg_sequence_last_value(pg_get_serial_sequence('orders_order', 'id'))")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db  # not transactional: the test's transaction is the caller's
@pytest.mark.parametrize("path", ["database", "python"])
def test_inside_a_callers_transaction_the_checkout_is_stamped_with_its_own_time(path, settings):  # type: ignore[no-untyped-def]
    """The caller's transaction began before the cart was filled; the order, its hold and its event
    still carry the time of the checkout (the function's version 1 stamped the transaction's start)."""
    settings.CHECKOUT_IN_DATABASE = path == "database"
    user, cart = buyer_cart()
    before = timezone.now()

    order = services.checkout_start(cart=cart, user=user, email="buyer@example.com", address=ADDRESS)
    after = timezone.now()

    order.refresh_from_db()
    hold = StockHold.objects.get(order=order)
    stamps = [order.created_at, order.updated_at, hold.created_at, OrderEvent.objects.get(order=order).created_at]
    assert all(before <= stamp <= after for stamp in stamps), stamps
    assert Seconds((hold.expires_at - order.created_at).total_seconds()) == Seconds(600)


# --- running a case on one path, and describing what it did ------------------------------------


@dataclass(frozen=True)
class Seconds:
    """A timestamp as seconds after its order was placed; equal within a second, as each path reads
    the clock at its own moments of one checkout (the database path: the database's `now()` for
    what it inserts, Python's clock for the hold's expiry, which it is given)."""

    seconds: float

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Seconds) and abs(self.seconds - other.seconds) < 1

    def __repr__(self) -> str:
        return f"placed{self.seconds:+.3f}s"


@dataclass
class Run:
    """What one path did in one case."""

    results: list[Any] = field(default_factory=list)  # each checkout's order, or its error
    broadcasts: list[list[tuple[str, str]]] = field(default_factory=list)  # each checkout's (topic, html)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def run_on(settings, capture_broadcasts, followers) -> Callable[[str, Callable[[Checkout], None]], Run]:  # type: ignore[no-untyped-def]
    """Run a case on one path ("database" or "python"), from an empty database."""
    followers.clear()  # a page follows every topic, the ops dashboard's too

    def run(path: str, case: Callable[[Checkout], None]) -> Run:
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        snapshots_changed()  # a flush sends no signals: the shop's terms are read again
        settings.CHECKOUT_IN_DATABASE = path == "database"
        done = Run()

        def checkout(
            cart: Cart,
            user: User | None,
            email: str = "buyer@example.com",
            address: dict[str, str] = ADDRESS,
            shipping: str | None = None,
            billing: dict[str, str] | None = None,
        ) -> None:
            method = ShippingMethod.objects.get(name=shipping).pk if shipping else None
            cart.refresh_from_db()  # as the view reads it
            with capture_broadcasts() as sent:
                try:
                    done.results.append(
                        services.checkout_start(
                            cart=cart,
                            user=user,
                            email=email,
                            address=address,
                            shipping_method=method,
                            billing_address=billing,
                        )
                    )
                except DomainError as exc:
                    done.results.append(exc)
            done.broadcasts.append(list(sent))

        case(checkout)
        return describe(done)

    return run


def describe(run: Run) -> Run:
    """The run as it can be compared: keys, numbers and clock readings named."""
    names = Names()
    return Run(
        results=[names.result(result) for result in run.results],
        broadcasts=[[(names.text(topic), names.text(html)) for topic, html in sent] for sent in run.broadcasts],
        rows={model.__name__: [names.row(obj) for obj in model.objects.order_by("pk")] for model in WRITTEN},
        counts={
            model._meta.label: model.objects.count()
            for model in apps.get_models()
            if model._meta.managed and not model._meta.proxy
        },
    )


class Names:
    """Names for what the database numbers: an order by its place in the run ("order 1"), a variant by
    its SKU, a user by email, a product by slug; a timestamp by its time after its order's placement."""

    def __init__(self) -> None:
        self.orders = {order.pk: (f"order {n}", order) for n, order in enumerate(Order.objects.order_by("pk"), 1)}
        self.variants = dict(Variant.objects.values_list("pk", "sku"))

    def result(self, result: Order | DomainError) -> Any:
        if isinstance(result, Order):
            return self.orders[result.pk][0]
        details = dict(vars(result))
        if "variant_pk" in details:
            details["variant_pk"] = self.variants[details["variant_pk"]]
        return type(result).__name__, details

    def row(self, obj: models.Model) -> dict[str, Any]:
        order = obj if isinstance(obj, Order) else self.orders[obj.order_id][1] if hasattr(obj, "order_id") else None
        row = {}
        for column in obj._meta.concrete_fields:
            if column.primary_key or column.name == "number":
                continue
            value = getattr(obj, column.attname)
            if column.is_relation and value is not None:
                value = self.related(column.related_model, value)
            elif isinstance(value, datetime):  # a row of no order (a code): made by the case, before checkout
                value = Seconds((value - order.created_at).total_seconds()) if order is not None else "<time>"
            row[column.name] = value
        return row

    def related(self, model: Any, pk: int) -> str:
        if model is Order:
            return self.orders[pk][0]
        if model is Variant:
            return self.variants[pk]
        if model is User:
            return User.objects.get(pk=pk).email
        if model is Product:
            return Product.objects.get(pk=pk).slug
        return str(model._meta.label)  # one of each per case (the cart)

    def text(self, text: str) -> str:
        for name, order in self.orders.values():
            text = text.replace(order.number, name.replace(" ", "-"))
        return CLOCK.sub("<hh:mm>", ISO_TIME.sub("<time>", text))


def test_the_comparison_sees_the_figures(run_on):  # type: ignore[no-untyped-def]
    """The figures both paths write, once spelled out: 10% off 91.97 is 9.20, the 82.77 left ships
    free with Standard, and Maine's 5.5% (its rate, not the country's) is taxed line by line."""
    run = run_on("database", case_code_shipping_and_tax)

    (order,) = run.rows["Order"]
    assert {key: order[key] for key in ("subtotal", "discount_total", "shipping_total", "tax_total", "total")} == {
        "subtotal": D("91.97"),
        "discount_total": D("9.20"),
        "shipping_total": D("0.00"),
        "tax_total": D("4.55"),
        "total": D("87.32"),
    }
    assert (order["discount_label"], order["shipping_method_name"]) == ("WELCOME10 (10% off)", "Standard")
    assert [(row["sku"], row["discount_total"], row["tax_total"]) for row in run.rows["OrderLine"]] == [
        ("CAP", D("3.00"), D("1.48")),
        ("TEE-M", D("4.80"), D("2.38")),
        ("MUG", D("1.40"), D("0.69")),
    ]
    assert [(row["name"], row["base"], row["amount"]) for row in run.rows["OrderTaxLine"]] == [
        ("Maine tax", D("82.77"), D("4.55"))
    ]
    assert [(row["order"], row["email"], row["released_at"]) for row in run.rows["DiscountRedemption"]] == [
        ("order 1", "buyer@example.com", None)
    ]
    assert [row["times_used"] for row in run.rows["DiscountCode"]] == [1]


def test_the_last_use_taken_is_told_to_the_carts_holding_the_code(run_on):  # type: ignore[no-untyped-def]
    """Both paths tell the carts holding a code when a checkout takes its last use (the cart page then
    shows it used up); the parity test compares the rest."""
    run = run_on("database", case_replaced_order_gives_its_use_back)

    assert [topic for topic, _ in run.broadcasts[0]] == ["cart.1", "stock.1", "stock.2", "stock.3", "ops.dashboard"]
