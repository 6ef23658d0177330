"""The ops dashboard's low-stock panel shows the people waiting per option, sorts by them, and is
pushed again when the demand changes."""

import re

import pytest
from django.db import transaction

from commerce.alerts import services
from commerce.inventory.services import stock_return
from commerce.ops import selectors
from commerce.ops.live import dashboard_fragment
from tests.commerce.alerts.helpers import sold_out, waiting
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.django_db
DASHBOARD = "ops.dashboard"


def listed(html: str) -> list[tuple[str, str]]:
    """The panel's rows as read: (SKU, what it says of the demand)."""
    rows = re.findall(r'<li data-variant="\d+">(.*?)</li>', html, flags=re.S)
    out = []
    for row in rows:
        sku = re.search(r"· ([\w-]+)</small>", row).group(1)  # type: ignore[union-attr]
        demand = re.search(r'data-waiting="\d+">([^<]+)<', row)
        out.append((sku, demand.group(1) if demand else ""))
    return out


def test_the_low_stock_panel_lists_the_most_awaited_first(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    quiet_out = VariantFactory(sku="QUIET-OUT", stock=0, product__name="Quiet")
    low = VariantFactory(sku="LOW", stock=2, product__name="Low")
    awaited = sold_out(sku="AWAITED", product__name="Awaited")
    more_awaited = sold_out(sku="MORE-AWAITED", product__name="More Awaited")
    waiting(awaited, "a@example.com")
    waiting(more_awaited, "b@example.com", "c@example.com")
    services.alert_subscribe(variant=more_awaited, user=None, email="unconfirmed@example.com")  # not counted

    stock = selectors.stock_alerts()

    assert [(v.sku, v.waiting) for v in stock.variants] == [
        ("MORE-AWAITED", 2),
        ("AWAITED", 1),
        (quiet_out.sku, 0),
        (low.sku, 0),
    ]
    assert listed(dashboard_fragment()) == [
        ("MORE-AWAITED", "2 waiting"),
        ("AWAITED", "1 waiting"),
        ("QUIET-OUT", ""),
        ("LOW", ""),
    ]


def test_a_sign_up_and_an_offer_push_the_panel_again(capture_broadcasts, followers):
    followers.discard(DASHBOARD)  # a dashboard is open
    variant = sold_out(sku="AWAITED")

    with capture_broadcasts() as sent:
        waiting(variant, "a@example.com")
    (push,) = [html for topic, html in sent if topic == DASHBOARD]
    assert ("AWAITED", "1 waiting") in listed(push)

    with capture_broadcasts() as sent, transaction.atomic():
        stock_return(quantities=[(variant.pk, 1)])  # then told (the offer's own transaction): nobody waits now
    pushes = [html for topic, html in sent if topic == DASHBOARD]
    assert len(pushes) == 2  # the stock move's, then the offer's (a real dashboard gets them coalesced)
    assert ("AWAITED", "1 waiting") in listed(pushes[0])
    assert dict(listed(pushes[1]))["AWAITED"] == ""  # 1 left (running low), nobody waiting now


def test_a_guest_sign_up_moves_no_demand_until_confirmed(capture_broadcasts, followers):
    followers.discard(DASHBOARD)
    variant = sold_out(sku="AWAITED")
    UserFactory()

    with capture_broadcasts() as sent:
        result = services.alert_subscribe(variant=variant, user=None, email="g@example.com")
    assert [topic for topic, _ in sent if topic == DASHBOARD] == []

    with capture_broadcasts() as sent:
        services.alert_confirm(alert=result.alert)
    (push,) = [html for topic, html in sent if topic == DASHBOARD]
    assert ("AWAITED", "1 waiting") in listed(push)
