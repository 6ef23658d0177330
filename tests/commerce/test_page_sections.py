"""Parts one area adds to another's page (commerce/page_sections.py): the product page's two slots
and the cart page's, with what each is told, per request, and the topics the page then follows."""

import pytest
from django.core import signing
from django.utils.html import escape

from commerce import page_sections
from commerce.page_sections import Part, add_section
from realtime import topics
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sections(monkeypatch):
    """The registry as the test leaves it, restored afterwards (the apps' own sections included)."""
    monkeypatch.setattr(page_sections, "_sections", {})
    return page_sections._sections


def followed(response) -> list[str]:
    return signing.loads(str(response.context["live_token"]), salt=topics.SALT)["t"]


def test_the_product_page_shows_each_slots_parts_in_order_for_this_request(client, sections):
    variant = VariantFactory(stock=0)
    other = VariantFactory(product=variant.product, stock=2)
    seen = []

    def buy(request, *, product, variants):
        seen.append((product, variants))
        return Part(f'<p id="buy-part">{escape(request.GET.get("who", "nobody"))}</p>', topics=[f"stock.{other.pk}"])

    add_section("product:buy", buy)
    add_section("product:after", lambda request, **_: Part('<p id="second">B</p>'), order=20)
    add_section("product:after", lambda request, **_: Part('<p id="first">A</p>'), order=10)
    add_section("product:after", lambda request, **_: None)  # nothing to show here

    response = client.get(variant.product.get_absolute_url(), {"who": "<b>Ann</b>"})
    html = response.content.decode()

    assert seen == [(variant.product.pk, [variant.pk, other.pk])]
    assert '<p id="buy-part">&lt;b&gt;Ann&lt;/b&gt;</p>' in html
    assert html.index('id="add-to-cart"') < html.index('id="buy-part"') < html.index('class="product__description"')
    assert html.index('id="first"') < html.index('id="second"')
    assert html.index("</article>") < html.index('id="first"')
    assert "\x00" not in html  # every mark filled

    second = client.get(variant.product.get_absolute_url(), {"who": "Bo"}).content.decode()
    assert '<p id="buy-part">Bo</p>' in second  # the body is cached; the part is the request's own
    assert followed(response) == sorted({f"stock.{variant.pk}", f"stock.{other.pk}"})


def test_a_section_registered_twice_shows_once(client, sections):
    def once(request, **_):
        return Part('<p class="once">here</p>')

    add_section("product:after", once)
    add_section("product:after", once)
    variant = VariantFactory()

    assert client.get(variant.product.get_absolute_url()).content.decode().count('class="once"') == 1


def test_the_cart_page_tells_its_sections_the_cart_variants_and_products(client, sections):
    first = VariantFactory(stock=5)
    second = VariantFactory(product=first.product, stock=5)
    third = VariantFactory(stock=5)
    seen = []

    def after(request, *, variants, products):
        seen.append((sorted(variants), products))
        return Part('<aside id="below-cart">more</aside>')

    add_section("cart:after", after)
    for variant in (first, second, third):
        client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    html = client.get("/cart/").content.decode()

    assert seen == [(sorted([first.pk, second.pk, third.pk]), [first.product_id, third.product_id])]
    assert html.index('id="cart-body"') < html.index('id="below-cart"')


def test_the_empty_cart_page_asks_its_sections_with_nothing(client, sections):
    seen = []
    add_section("cart:after", lambda request, **where: seen.append(where))

    assert client.get("/cart/").status_code == 200
    assert seen == [{"variants": [], "products": []}]
