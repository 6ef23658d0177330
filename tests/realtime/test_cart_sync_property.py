"""Property: a page that only applies what the `cart.<pk>` topic pushed ends up identical to a fresh load.

Two tabs of one cart change it through the real services, in a random order, with quantities that are
sometimes refused. A third, stale page never acts: it only swaps in the pushed fragments, by id, the way
htmx applies `hx-swap-oob="true"` (outerHTML of the element with the same id; an id the page does not
have is dropped). Whatever the sequence, that page must end up equal to a fresh render of the cart; and
when some pushes are lost, the reconnect snapshot must heal it.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.conf import settings as django_settings
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commerce.cart import services as cart_services
from commerce.cart.errors import CartError
from commerce.cart.live import cart_fragment
from commerce.cart.models import Cart, CartLine
from realtime import topics
from tests.factories import CartFactory, VariantFactory

MAX = django_settings.CART_MAX_LINE_QUANTITY
OOB_IDS = {"cart-body", "cart-count", "mini-cart"}

# --- the page: its out-of-band targets, {element id: outerHTML} ------------------------------------------

VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _TopLevel(HTMLParser):
    """Records the exact source span of each top-level element of a fragment, by id."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0]
        for match in re.finditer("\n", source):
            self.line_starts.append(match.end())
        self.depth = 0
        self.open: tuple[str, str | None, int] | None = None
        self.elements: list[tuple[str | None, str, dict[str, str | None]]] = []
        self.attrs: dict[str, str | None] = {}

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            start = self._offset()
            if tag in VOID_ELEMENTS:
                text = self.get_starttag_text() or ""
                self.elements.append((dict(attrs).get("id"), self.source[start : start + len(text)], dict(attrs)))
                return
            self.open = (tag, dict(attrs).get("id"), start)
            self.attrs = dict(attrs)
        if tag not in VOID_ELEMENTS:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            start = self._offset()
            text = self.get_starttag_text() or ""
            self.elements.append((dict(attrs).get("id"), self.source[start : start + len(text)], dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            return
        assert self.depth > 0, f"stray </{tag}> in fragment"
        self.depth -= 1
        if self.depth == 0:
            assert self.open is not None
            open_tag, element_id, start = self.open
            assert open_tag == tag, f"<{open_tag}> closed by </{tag}>"
            end = self.source.index(">", self._offset()) + 1
            self.elements.append((element_id, self.source[start:end], self.attrs))
            self.open = None

    def handle_data(self, data: str) -> None:
        assert self.depth > 0 or not data.strip(), f"text outside any element: {data.strip()!r}"


def top_level(fragment: str) -> dict[str, str]:
    """{id: outerHTML} of the fragment's top-level elements, each of which must be an OOB swap with an id."""
    parser = _TopLevel(fragment)
    parser.feed(fragment)
    parser.close()
    assert parser.depth == 0, "unclosed element in fragment"
    found: dict[str, str] = {}
    for element_id, html, attrs in parser.elements:
        assert element_id, f"top-level element without an id: {html[:80]!r}"
        assert attrs.get("hx-swap-oob") == "true", f"#{element_id} is not an out-of-band swap"
        assert element_id not in found, f"#{element_id} twice in one fragment"
        found[element_id] = html
    return found


def swap_oob(page: dict[str, str], fragment: str) -> None:
    """What htmx does with a pushed fragment: replace each element that has the same id on the page."""
    for element_id, html in top_level(fragment).items():
        if element_id in page:  # htmx drops an OOB element whose target is not on the page
            page[element_id] = html


def fresh_load(cart: Cart) -> dict[str, str]:
    return top_level(cart_fragment(cart))


def badge(page: dict[str, str]) -> int:
    match = re.fullmatch(r"<span [^>]*>(\d+)</span>", page["cart-count"])
    assert match, page["cart-count"]
    return int(match.group(1))


def lines(cart: Cart) -> list[tuple[int, int]]:
    """(variant pk, quantity) of each line, in display order."""
    return list(CartLine.objects.filter(cart=cart).order_by("added_at", "pk").values_list("variant_id", "quantity"))


def db_count(cart: Cart) -> int:
    return CartLine.objects.filter(cart=cart).aggregate(n=Sum("quantity", default=0))["n"]


# --- operations -------------------------------------------------------------------------------------------

# Mostly small valid quantities; some past the stock of a scarce variant; some refused by the bounds check
# (0, -1, MAX + 1) or, for MAX, by stock.
quantities = st.sampled_from([1, 1, 1, 2, 2, 3, 4, 6, 9, 0, -1, MAX, MAX + 1])


@dataclass(frozen=True)
class Op:
    tab: int
    kind: str  # add | set | remove
    variant: int  # index among the 3 variants
    quantity: int

    def __repr__(self) -> str:
        q = "" if self.kind == "remove" else f", {self.quantity}"
        return f"tab{self.tab}.{self.kind}(v{self.variant}{q})"


def operation(in_cart: list[int]) -> st.SearchStrategy[Op]:
    """The next operation of either tab. Changes and removals aim mostly at lines the cart holds (what a tab
    shows), sometimes at any of the 3 variants (a line another tab already removed, or never added)."""
    any_variant = st.integers(0, 2)

    def target(kind: str) -> st.SearchStrategy[int]:
        if kind == "add" or not in_cart:
            return any_variant
        return st.one_of(*[st.sampled_from(in_cart)] * 3, any_variant)

    return st.sampled_from(["add", "set", "remove"]).flatmap(
        lambda kind: st.builds(Op, tab=st.integers(0, 1), kind=st.just(kind), variant=target(kind), quantity=quantities)
    )


# Two variants in good supply, one scarce (possibly sold out).
plenty, scarce = st.integers(min_value=5, max_value=12), st.integers(min_value=0, max_value=3)
stocks = st.tuples(plenty, plenty, scarce).map(list)


def run(data, stock: list[int], capture_broadcasts) -> tuple[Cart, dict[str, str], list[str]]:  # type: ignore[no-untyped-def]
    """Build a fresh cart, load the stale page, apply random operations through two tabs; return the pushes."""
    variants = [VariantFactory(stock=s) for s in stock]
    index = {v.pk: i for i, v in enumerate(variants)}
    cart = CartFactory()
    tabs = [Cart.objects.get(pk=cart.pk), Cart.objects.get(pk=cart.pk)]  # two tabs, two instances
    first_render = fresh_load(cart)
    assert set(first_render) == OOB_IDS
    topic = f"cart.{cart.pk}"
    pushed: list[str] = []

    for step in range(data.draw(st.integers(min_value=4, max_value=12), label="steps")):
        before = lines(cart)
        op = data.draw(operation([index[pk] for pk, _ in before]), label=f"op {step}")
        refused = False
        with capture_broadcasts() as sent:
            try:
                if op.kind == "add":
                    cart_services.cart_line_add(
                        cart=tabs[op.tab], variant_pk=variants[op.variant].pk, quantity=op.quantity
                    )
                elif op.kind == "set":
                    cart_services.cart_line_set_quantity(
                        cart=tabs[op.tab], variant_pk=variants[op.variant].pk, quantity=op.quantity
                    )
                else:
                    cart_services.cart_line_remove(cart=tabs[op.tab], variant_pk=variants[op.variant].pk)
            except CartError:
                refused = True
        messages = list(sent)
        if refused:
            assert messages == [], f"{op!r} was refused but published {len(messages)} fragment(s)"
            assert lines(cart) == before, f"{op!r} was refused but changed the cart"
            continue
        assert [t for t, _ in messages] == [topic] * len(messages), f"{op!r} published to {messages!r}"
        assert len(messages) <= 1, f"{op!r} published {len(messages)} fragments for one change"
        if not messages:
            assert lines(cart) == before, f"{op!r} changed the cart and published nothing"
        for _, html in messages:
            # Rendered inside the writer's transaction: it must show the state that was committed.
            assert html == cart_fragment(cart), f"{op!r} pushed a fragment that is not the committed state"
            pushed.append(html)

    return cart, first_render, pushed


# --- properties -------------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(stock=stocks, data=st.data())
def test_stale_page_that_applies_every_push_equals_a_fresh_load(db, capture_broadcasts, stock, data):
    cart, page, pushed = run(data, stock, capture_broadcasts)

    for fragment in pushed:
        swap_oob(page, fragment)

    fresh = fresh_load(cart)
    assert page == fresh
    assert badge(page) == db_count(cart)


@SETTINGS
@given(stock=stocks, data=st.data())
def test_stale_page_that_lost_pushes_is_healed_by_the_reconnect_snapshot(db, capture_broadcasts, stock, data):
    cart, page, pushed = run(data, stock, capture_broadcasts)
    delivered = data.draw(st.lists(st.booleans(), min_size=len(pushed), max_size=len(pushed)), label="delivered")

    for fragment, arrived in zip(pushed, delivered, strict=True):
        if arrived:
            swap_oob(page, fragment)

    snapshot = topics.snapshot(f"cart.{cart.pk}")
    assert snapshot is not None
    swap_oob(page, snapshot)

    fresh = fresh_load(cart)
    assert page == fresh
    assert badge(page) == db_count(cart)
