import pytest
from django.core import signing

from realtime import topics
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_extend_adds_the_new_cart_to_a_guest_pages_topics(client):
    variant = VariantFactory(stock=5)
    page = client.get(variant.product.get_absolute_url())
    old = page.context["live_token"]
    old_topics = signing.loads(str(old), salt=topics.SALT)["t"]
    visitor = [t for t in old_topics if t.startswith("visitor.")]
    assert old_topics == sorted([f"stock.{variant.pk}", *visitor])  # no cart yet
    assert len(visitor) == 1
    assert client.session.session_key not in visitor[0]

    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1}, HTTP_HX_REQUEST="true")
    response = client.get("/live/extend/", {"t": str(old)})

    cart_pk = client.session["cart_pk"]
    new = signing.loads(response.json()["token"], salt=topics.SALT)
    assert new["t"] == sorted([f"stock.{variant.pk}", f"cart.{cart_pk}", *visitor])
    assert response.json()["changed"] is True

    again = client.get("/live/extend/", {"t": response.json()["token"]}).json()
    assert again["changed"] is False  # nothing new to follow: the page keeps its socket


def test_extend_refuses_another_browsers_token(client):
    variant = VariantFactory()
    other = client.__class__()
    other_page = other.get(variant.product.get_absolute_url())

    response = client.get("/live/extend/", {"t": str(other_page.context["live_token"])})

    assert response.status_code == 403
    assert response.json() == {"error": "token belongs to another session"}
