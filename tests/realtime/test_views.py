import pytest
from django.conf import settings
from django.core import signing

from realtime import topics
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_extend_adds_the_new_cart_to_a_guest_pages_topics(client):
    variant = VariantFactory(stock=5)
    page = client.get(variant.product.get_absolute_url())
    old = page.context["live_token"]
    old_payload = signing.loads(str(old), salt=topics.SALT)
    reviews = f"reviews.{variant.product.pk}"  # the product's reviews, live (public)
    assert old_payload == {
        "t": [reviews, f"stock.{variant.pk}"],
        "b": topics.PUBLIC_BINDING,
    }  # a first visit: no session
    assert settings.SESSION_COOKIE_NAME not in client.cookies

    added = client.post("/cart/add/", {"variant": variant.pk, "quantity": 1}, HTTP_HX_REQUEST="true")
    assert 'id="live-refresh" hx-swap-oob="true"' in added.content.decode()  # the page re-signs now
    response = client.get("/live/extend/", {"t": str(old)})

    cart_pk = client.session["cart_pk"]
    visitor = [t for t in signing.loads(response.json()["token"], salt=topics.SALT)["t"] if t.startswith("visitor.")]
    assert len(visitor) == 1
    assert client.session.session_key not in visitor[0]
    new = signing.loads(response.json()["token"], salt=topics.SALT)
    assert new["t"] == sorted([reviews, f"stock.{variant.pk}", f"cart.{cart_pk}", *visitor])
    assert response.json()["changed"] is True

    again = client.get("/live/extend/", {"t": response.json()["token"]}).json()
    assert again["changed"] is False  # nothing new to follow: the page keeps its socket

    second = client.post("/cart/add/", {"variant": variant.pk, "quantity": 1}, HTTP_HX_REQUEST="true")
    assert "live-refresh" not in second.content.decode()  # the cart was there already


def test_a_guest_with_a_session_follows_their_visitor_topic(client):
    variant = VariantFactory(stock=5)
    session = client.session
    session["seen"] = True
    session.save()
    client.cookies["sessionid"] = session.session_key
    token = client.get(variant.product.get_absolute_url()).context["live_token"]
    payload = signing.loads(str(token), salt=topics.SALT)
    assert [t for t in payload["t"] if t.startswith("visitor.")]
    assert payload["b"].startswith("s:")


def test_extend_refuses_another_browsers_token(client):
    variant = VariantFactory()
    other = client.__class__()
    other.post("/cart/add/", {"variant": variant.pk, "quantity": 1})  # a session of its own, following its cart
    other_page = other.get(variant.product.get_absolute_url())

    response = client.get("/live/extend/", {"t": str(other_page.context["live_token"])})

    assert response.status_code == 403
    assert response.json() == {"error": "token belongs to another session"}
