"""Signing up for a sold-out option: one click signed in, an emailed link for a guest; idempotent, limited."""

import html
import json
import re

import pytest

from commerce.alerts import services, views
from commerce.alerts.models import StockAlert
from commerce.notifications.models import Notification
from tests.commerce.alerts.helpers import sold_out
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.django_db
A = StockAlert.State


def url(variant) -> str:  # type: ignore[no-untyped-def]
    return f"/alerts/{variant.pk}/"


def text(response) -> str:  # type: ignore[no-untyped-def]
    """The page as read: entities decoded, white space collapsed."""
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def test_signed_in_one_click_then_already_on_the_list(htmx_client):
    variant = sold_out()
    ann = UserFactory(email="ann@example.com")
    htmx_client.force_login(ann)

    first = htmx_client.post(url(variant))
    again = htmx_client.post(url(variant))

    assert first.status_code == 200
    assert "We'll email you when M / Navy is back." in text(first)
    assert f'id="stock-alert-{variant.pk}"' in text(first)
    assert "You're already on the list for M / Navy." in text(again)
    alert = StockAlert.objects.get()
    assert (alert.user, alert.email, alert.state) == (ann, "ann@example.com", A.WAITING)
    assert alert.confirmed_at is not None
    assert not Notification.objects.exists()  # nothing to confirm: the account's address


def test_a_guest_gives_an_email_and_confirms_it_by_the_link(htmx_client, client, settings):
    settings.SITE_URL = "https://shop.example.com"
    variant = sold_out()

    ask = htmx_client.post(url(variant))
    assert 'name="email"' in text(ask)
    assert "Get an email when <strong>M / Navy</strong> is back in stock." in text(ask)

    sent = htmx_client.post(url(variant), {"email": "Guest@Example.com"})
    assert "Check your inbox: open the link we sent to Guest@Example.com" in text(sent)
    alert = StockAlert.objects.get()
    assert (alert.user, alert.state) == (None, A.PENDING)

    again = htmx_client.post(url(variant), {"email": "guest@example.com"})  # idempotent, any case
    assert "We already sent a link to Guest@Example.com" in text(again)
    row = Notification.objects.get()
    assert (row.event, row.recipient) == ("alert_confirm", "Guest@Example.com")
    link = next(w for w in row.body_text.split() if w.startswith("https://shop.example.com/alerts/confirm/"))
    path = link.removeprefix("https://shop.example.com")

    page = client.get(path)  # opening it (a mail scanner does too) changes nothing
    assert "Yes, email me when it's back" in text(page)
    assert StockAlert.objects.get().state == A.PENDING
    done = client.post(path, follow=True)

    assert done.redirect_chain[-1][0] == variant.product.get_absolute_url()
    assert "You're on the list: we'll email Guest@Example.com when M / Navy is back." in text(done)
    alert.refresh_from_db()
    assert alert.state == A.WAITING
    assert alert.confirmed_at is not None
    assert client.post(path).status_code == 302  # twice: no harm
    assert StockAlert.objects.get().state == A.WAITING


def test_a_tampered_confirmation_link_is_not_found(client):
    variant = sold_out()
    StockAlert.objects.create(variant=variant, email="g@example.com")
    assert client.get("/alerts/confirm/not-a-token/").status_code == 404
    assert client.post("/alerts/confirm/not-a-token/").status_code == 404
    assert StockAlert.objects.get().state == A.PENDING


def test_a_bad_email_is_refused_with_a_message_and_nothing_written(htmx_client):
    variant = sold_out()

    response = htmx_client.post(url(variant), {"email": "not-an-email<script>"})

    assert response.status_code == 422
    assert "Enter a valid email address." in text(response)
    assert "<script>" not in response.content.decode()
    assert not StockAlert.objects.exists()
    assert not Notification.objects.exists()


def test_an_option_in_stock_says_so_and_writes_nothing(htmx_client):
    variant = VariantFactory(stock=4, name="<b>L</b>")
    htmx_client.force_login(UserFactory())

    response = htmx_client.post(url(variant))

    assert response.status_code == 422
    assert "&lt;b&gt;L&lt;/b&gt; is in stock now: choose it above and add it to your cart." in response.content.decode()
    assert not StockAlert.objects.exists()


def test_a_hidden_product_has_no_alerts(htmx_client):
    variant = sold_out(product__is_published=False)
    htmx_client.force_login(UserFactory())
    assert htmx_client.post(url(variant)).status_code == 404
    assert htmx_client.get(url(variant)).status_code == 405
    assert not StockAlert.objects.exists()


def test_sign_ups_are_rate_limited_with_a_clear_message(htmx_client, monkeypatch):
    monkeypatch.setattr(views, "RATE_PER_PERSON", "3/hour")
    variants = [sold_out(sku=f"S{i}", name=f"Size {i}", product__name=f"Tee {i}") for i in range(4)]
    htmx_client.force_login(UserFactory())

    answers = [htmx_client.post(url(v)) for v in variants]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    trigger = json.loads(answers[3]["HX-Trigger"])["domainError"]
    assert trigger["message"].startswith("Too many tries. Please wait ")
    assert StockAlert.objects.count() == 3


def test_guests_are_limited_per_address_too(htmx_client, monkeypatch):
    monkeypatch.setattr(views, "RATE_PER_ADDRESS", "2/hour")
    variant = sold_out()

    answers = [htmx_client.post(url(variant), {"email": f"g{i}@example.com"}) for i in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert Notification.objects.filter(event="alert_confirm").count() == 2


def test_without_javascript_one_click_signs_up_and_comes_back(client):
    variant = sold_out()
    client.force_login(UserFactory(email="ann@example.com"))
    page = text(client.get(variant.product.get_absolute_url()))
    assert re.search(
        r'<form id="stock-alert-form" method="post" hidden><input type="hidden" name="csrfmiddlewaretoken"', page
    )

    response = client.post(url(variant), follow=True)

    assert response.redirect_chain[-1][0] == variant.product.get_absolute_url()
    assert "We'll email you when M / Navy is back." in text(response)
    assert StockAlert.objects.get().state == A.WAITING


def test_without_javascript_the_guest_form_posts_and_comes_back(client):
    variant = sold_out()

    response = client.post(url(variant), {"email": "g@example.com"}, follow=True)

    assert response.redirect_chain[-1][0] == variant.product.get_absolute_url()
    assert "Check your inbox: open the link we sent to g@example.com" in text(response)
    assert StockAlert.objects.get().state == A.PENDING


def test_the_product_page_offers_notify_me_on_sold_out_options_and_lists_mine(client):
    out = sold_out(position=1)
    VariantFactory(product=out.product, name="L / Navy", stock=3, position=2)
    ann = UserFactory()
    StockAlert.objects.create(variant=out, user=ann, email=ann.email, state=A.WAITING)

    guest_page = text(client.get(out.product.get_absolute_url()))
    client.force_login(ann)
    page = text(client.get(out.product.get_absolute_url()))

    badge_then_button = (
        rf'id="stock-{out.pk}" class="stock stock--out"[^>]*>Sold out</span> '
        r'<button type="submit" form="stock-alert-form" formaction="/alerts/\d+/" class="variant__notify'
    )
    assert re.search(badge_then_button, guest_page)
    assert f'hx-post="/alerts/{out.pk}/"' in guest_page
    assert '<div id="stock-alert" class="stock-alert" role="status" aria-live="polite"></div>' in guest_page
    assert "You're on the list for M / Navy: we'll email you when it's back." in page
    assert f'id="stock-alert-{out.pk}"' in page


def test_a_guest_asking_again_later_gets_the_link_again_once_in_a_while(htmx_client, clock):
    variant = sold_out()
    for _ in range(3):
        htmx_client.post(url(variant), {"email": "g@example.com"})
    assert Notification.objects.filter(event="alert_confirm").count() == 1

    clock.advance(minutes=11)
    again = htmx_client.post(url(variant), {"email": "g@example.com"})

    assert "We already sent a link to g@example.com" in text(again)
    assert Notification.objects.filter(event="alert_confirm").count() == 2
    assert StockAlert.objects.count() == 1


def test_an_unconfirmed_sign_up_expires_with_its_link_and_may_start_again(htmx_client, clock):
    variant = sold_out()
    htmx_client.post(url(variant), {"email": "g@example.com"})
    first = StockAlert.objects.get()

    clock.advance(days=8)
    assert services.alerts_expire_unconfirmed() == 1
    fresh = htmx_client.post(url(variant), {"email": "g@example.com"})

    assert "Check your inbox: open the link we sent to g@example.com" in text(fresh)
    assert dict(StockAlert.objects.values_list("pk", "state")) == {
        first.pk: A.CANCELLED,
        StockAlert.objects.exclude(pk=first.pk).get().pk: A.PENDING,
    }


def test_staff_close_alerts_in_the_admin(client):
    variant = sold_out()
    ann = UserFactory()
    alert = StockAlert.objects.create(variant=variant, user=ann, email=ann.email, state=A.WAITING)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/alerts/stockalert/?state=waiting")
    closed = client.post("/admin/alerts/stockalert/", {"action": "cancel", "_selected_action": [alert.pk]}, follow=True)

    assert ann.email in text(listing)
    assert "1 alert(s) closed." in text(closed)
    alert.refresh_from_db()
    assert alert.state == A.CANCELLED
    assert client.get("/admin/alerts/stockalert/add/").status_code == 403
