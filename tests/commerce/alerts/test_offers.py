"""Offering returning stock: once, in sign-up order, at most as many as units, the next after the window."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from commerce.alerts import services
from commerce.alerts.models import StockAlert
from commerce.inventory.services import stock_return
from commerce.notifications.models import Notification, Preference
from commerce.orders import services as order_services
from commerce.orders.models import Order
from tests.commerce.alerts.helpers import sold_out, states, told, waiting
from tests.factories import OrderFactory, UserFactory, VariantFactory
from tests.races import race

pytestmark = pytest.mark.django_db
A = StockAlert.State


def restock(variant, units, capture):  # type: ignore[no-untyped-def]
    """Give stock back as every stock move does (the admin, a cancel, a hold: in a transaction of its
    own), its effects after commit."""
    with capture(execute=True), transaction.atomic():
        stock_return(quantities=[(variant.pk, units)])


def test_a_restock_tells_as_many_as_units_in_sign_up_order_once(clock, django_capture_on_commit_callbacks):
    variant = sold_out()
    waiting(variant, "ann@example.com")
    clock.advance(seconds=1)
    waiting(variant, "bob@example.com")
    clock.advance(seconds=1)
    waiting(variant, "cid@example.com")

    restock(variant, 2, django_capture_on_commit_callbacks)

    assert told() == ["ann@example.com", "bob@example.com"]
    assert states(variant) == {"ann@example.com": A.OFFERED, "bob@example.com": A.OFFERED, "cid@example.com": A.WAITING}
    # Run again (a second task, the periodic pass, another stock move): nobody is told twice.
    assert services.alerts_offer_variant(variant_pk=variant.pk) == []
    assert services.alerts_offer_due() == 0
    restock(variant, 0, django_capture_on_commit_callbacks)
    assert told() == ["ann@example.com", "bob@example.com"]
    assert Notification.objects.filter(event="back_in_stock").count() == 2


def test_the_next_people_are_told_once_the_window_passes_without_a_sale(
    clock, settings, django_capture_on_commit_callbacks
):
    settings.ALERT_OFFER_MINUTES = 30
    variant = sold_out()
    waiting(variant, "ann@example.com", "bob@example.com", "cid@example.com")
    restock(variant, 1, django_capture_on_commit_callbacks)
    assert told() == ["ann@example.com"]

    clock.advance(minutes=29)
    assert services.alerts_offer_due() == 0  # Ann still has her head start
    clock.advance(minutes=1)
    assert services.alerts_offer_due() == 1
    clock.advance(minutes=30)
    assert services.alerts_offer_due() == 1

    assert told() == ["ann@example.com", "bob@example.com", "cid@example.com"]
    assert states(variant) == {"ann@example.com": A.LAPSED, "bob@example.com": A.LAPSED, "cid@example.com": A.OFFERED}
    clock.advance(minutes=30)
    assert services.alerts_offer_due() == 0  # nobody left waiting; nobody told twice
    assert len(told()) == 3


def test_the_person_told_who_buys_is_done_and_takes_the_unit(clock, django_capture_on_commit_callbacks):
    variant = sold_out()
    ann, _ = waiting(variant, "ann@example.com", "bob@example.com")
    restock(variant, 1, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(paid=True, user=ann, variant=variant, quantity=1)

    variant.refresh_from_db()
    assert variant.stock == 0
    assert states(variant) == {"ann@example.com": A.BOUGHT, "bob@example.com": A.WAITING}
    clock.advance(minutes=120)
    assert services.alerts_offer_due() == 0  # sold: nothing to offer Bob yet
    assert told() == ["ann@example.com"]


def test_a_cancelled_orders_stock_tells_the_first_waiting(django_capture_on_commit_callbacks):
    variant = VariantFactory(stock=1, name="L", product__name="Canvas Tote")
    order = OrderFactory(user=UserFactory(), variant=variant, quantity=1)  # takes the last one
    waiting(variant, "ann@example.com", "bob@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_cancel(order=order, actor=None)

    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert told() == ["ann@example.com"]


def test_an_expired_holds_release_tells_the_first_waiting(clock, settings, django_capture_on_commit_callbacks):
    variant = VariantFactory(stock=2, name="L", product__name="Canvas Tote")
    OrderFactory(user=UserFactory(), variant=variant, quantity=2)
    waiting(variant, "ann@example.com", "bob@example.com", "cid@example.com")

    clock.advance(seconds=settings.STOCK_HOLD_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert order_services.holds_release_expired() == 1

    assert told() == ["ann@example.com", "bob@example.com"]


def test_a_restock_in_the_admin_tells_the_first_waiting(client, django_capture_on_commit_callbacks):
    variant = sold_out(price="20.00")
    waiting(variant, "ann@example.com")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {
        "product": variant.product_id,
        "sku": variant.sku,
        "name": variant.name,
        "options": "{}",
        "price": "20.00",
        "weight": "0",
        "stock": "3",
        "position": "0",
        "is_active": "on",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/catalog/variant/{variant.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert told() == ["ann@example.com"]


def test_unconfirmed_guests_and_closed_alerts_are_not_told(django_capture_on_commit_callbacks):
    variant = sold_out()
    services.alert_subscribe(variant=variant, user=None, email="guest@example.com")  # never confirmed
    waiting(variant, "ann@example.com")
    StockAlert.objects.filter(email="ann@example.com").update(state=A.CANCELLED)

    restock(variant, 5, django_capture_on_commit_callbacks)

    assert told() == []


def test_a_text_too_when_the_person_asked_for_texts(django_capture_on_commit_callbacks):
    variant = sold_out()
    (ann,) = waiting(variant, "ann@example.com")
    ann.phone = "+15005550006"
    ann.save(update_fields=["phone"])
    Preference.objects.create(user=ann, event="back_in_stock", channel="sms", enabled=True)

    restock(variant, 1, django_capture_on_commit_callbacks)

    rows = Notification.objects.filter(event="back_in_stock", user=ann).order_by("channel")
    assert [(row.channel, row.recipient) for row in rows] == [("email", "ann@example.com"), ("sms", "+15005550006")]
    assert "Harbour Tee (M / Navy) is back in stock" in rows[1].body_text
    assert rows[0].subject == "Back in stock: Harbour Tee (M / Navy)"


def test_the_subscribers_open_pages_are_told_live(capture_broadcasts):
    variant = sold_out()
    ann, bob = waiting(variant, "ann@example.com", "bob@example.com")

    with capture_broadcasts() as sent, transaction.atomic():
        stock_return(quantities=[(variant.pk, 1)])

    to_ann = [html for topic, html in sent if topic == f"user.{ann.pk}"]
    assert len(to_ann) == 1
    assert f'id="stock-alert-{variant.pk}"' in to_ann[0]
    assert 'hx-swap-oob="true"' in to_ann[0]
    assert "Back in stock:" in to_ann[0]
    assert not [topic for topic, _ in sent if topic == f"user.{bob.pk}"]
    assert f"stock.{variant.pk}" in [topic for topic, _ in sent]  # every page's badge, as always


@pytest.mark.django_db(transaction=True)
def test_two_offer_passes_at_once_tell_nobody_twice():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    variant = sold_out()
    waiting(variant, *(f"p{i}@example.com" for i in range(6)))
    VariantFactory._meta.model.objects.filter(pk=variant.pk).update(stock=3)  # restocked, no task yet

    results = race(4, lambda i: services.alerts_offer_variant(variant_pk=variant.pk, now=timezone.now()))

    assert sorted(len(r) for r in results if isinstance(r, list)) == [0, 0, 0, 3], results
    assert told() == ["p0@example.com", "p1@example.com", "p2@example.com"]
    assert StockAlert.objects.filter(state=A.OFFERED).count() == 3
    assert Notification.objects.filter(event="back_in_stock").count() == 3


def test_the_offer_window_counts_units_already_offered(clock, django_capture_on_commit_callbacks):
    """Two units back: two told. A third unit back a minute later: one more told, not three."""
    variant = sold_out()
    waiting(variant, *(f"p{i}@example.com" for i in range(5)))
    restock(variant, 2, django_capture_on_commit_callbacks)
    clock.advance(minutes=1)
    restock(variant, 1, django_capture_on_commit_callbacks)

    assert told() == ["p0@example.com", "p1@example.com", "p2@example.com"]
    assert StockAlert.objects.filter(state=A.WAITING).count() == 2


@pytest.mark.django_db(transaction=True)
def test_sign_ups_at_once_make_one_alert_per_person():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    variant = sold_out()
    ann = UserFactory(email="ann@example.com")

    results = race(
        6,
        lambda i: services.alert_subscribe(variant=variant, user=ann if i % 2 else None, email="Guest@example.com"),
    )

    assert all(isinstance(r, services.Subscribed) for r in results), results
    assert sorted(r.created for r in results) == [False, False, False, False, True, True]  # type: ignore[union-attr]
    assert sorted(StockAlert.objects.values_list("email", "state")) == [
        ("Guest@example.com", A.PENDING),
        ("ann@example.com", A.WAITING),
    ]
    assert Notification.objects.filter(event="alert_confirm").count() == 1
