"""The demo's order history (commerce/recommendations/demo.py): delivered orders of the demo shopper
that give the demo its "Customers also bought", written once, without touching stock."""

import pytest
from django.core.management import call_command

from commerce.accounts.models import User
from commerce.catalog.demo import SOLD_OUT, stock_for
from commerce.catalog.models import Product, Variant
from commerce.orders.models import Order, OrderEvent
from commerce.recommendations.demo import ORDERS, delivered_orders_demo
from commerce.recommendations.models import CoPurchase

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]


@pytest.fixture
def demo(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")


def test_seed_demo_writes_the_shoppers_delivered_orders_and_their_co_purchases(demo, client):
    assert delivered_orders_demo() == 0  # seed_demo wrote them (demo_orders)

    orders = Order.objects.filter(number__startswith="LS-DEM0-")
    assert orders.count() == len(ORDERS) == 5
    assert {o.status for o in orders} == {Order.Status.DELIVERED}
    assert {o.email for o in orders} == {"shopper@example.com"}
    assert all(o.total == o.subtotal + o.shipping_total + o.tax_total for o in orders)
    kinds = list(OrderEvent.objects.filter(order=orders[0]).values_list("kind", flat=True))
    assert kinds == ["placed", "paid", "packed", "shipped", "delivered"]
    # No stock taken: every option keeps the demo's figure, so the sold-out ones stay sold out.
    variants = Variant.objects.select_related("product")
    assert [v.stock for v in variants] == [stock_for(v.sku, v.product.name) for v in variants]
    assert Product.objects.filter(name__in=SOLD_OUT).exists()
    assert Variant.objects.filter(stock=0).exists()
    pairs = {(p, o): n for p, o, n in CoPurchase.objects.values_list("product__name", "other__name", "orders")}
    assert pairs[("Harbour Tee", "Deep Sea Mug")] == 2
    assert pairs[("Canopy Tee", "Meadow Mug")] == 2
    assert pairs[("Nightwatch Hoodie", "Deep Sea Mug")] == 2

    page = client.get(Product.objects.get(name="Harbour Tee").get_absolute_url()).content.decode()
    assert "Customers also bought" in page
    assert '<span class="product-card__name">Deep Sea Mug</span>' in page


def test_the_shopper_sees_them_delivered(demo, client):
    delivered_orders_demo()
    client.force_login(User.objects.get(email="shopper@example.com"))

    page = client.get("/orders/LS-DEM0-0001/")

    assert page.status_code == 200
    assert 'data-status="delivered"' in page.content.decode()
    assert "Harbour Tee" in page.content.decode()
    assert "Return items" not in page.content.decode()  # long past the return window: never paid at Stripe


def test_running_it_again_changes_nothing(demo):
    delivered_orders_demo()
    rows = list(CoPurchase.objects.order_by("pk").values_list("pk", "orders", "computed_at"))
    orders = Order.objects.count()

    assert delivered_orders_demo() == 0

    assert Order.objects.count() == orders
    assert list(CoPurchase.objects.order_by("pk").values_list("pk", "orders", "computed_at")) == rows


def test_the_command_seed_demo_can_run_by_name(demo, capsys):
    Order.objects.filter(number__startswith="LS-DEM0-").delete()
    capsys.readouterr()
    call_command("demo_orders")
    call_command("demo_orders")

    assert capsys.readouterr().out.splitlines() == [
        "Demo order history ready (5 new orders).",
        "Demo order history ready (0 new orders).",
    ]
    assert Order.objects.filter(number__startswith="LS-DEM0-").count() == 5


def test_without_the_demo_store_it_writes_nothing(db):
    assert delivered_orders_demo() == 0
    assert not Order.objects.exists()
