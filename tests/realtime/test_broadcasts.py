"""Which topics each service publishes, and with which fragment (rendered once, after commit)."""

from contextlib import suppress

import pytest

from commerce.cart import services as cart_services
from commerce.cart.errors import CartError
from commerce.orders import services as order_services
from commerce.orders.models import Order
from tests.factories import ADDRESS, CartFactory, CartLineFactory, OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_cart_add_publishes_the_cart_once(capture_broadcasts):
    variant = VariantFactory(stock=5)
    cart = CartFactory()

    with capture_broadcasts() as sent:
        cart_services.cart_line_add(cart=cart, variant_pk=variant.pk, quantity=2)

    assert [topic for topic, _ in sent] == [f"cart.{cart.pk}"]
    assert 'hx-swap-oob="true">2</span>' in sent[0][1]


def test_refused_cart_change_publishes_nothing(capture_broadcasts):
    variant = VariantFactory(stock=1)
    cart = CartFactory()

    with capture_broadcasts() as sent, pytest.raises(CartError):
        cart_services.cart_line_add(cart=cart, variant_pk=variant.pk, quantity=2)

    assert sent == []


def test_removing_a_missing_line_publishes_nothing(capture_broadcasts):
    cart = CartFactory()

    with capture_broadcasts() as sent:
        cart_services.cart_line_remove(cart=cart, variant_pk=123)

    assert sent == []


def test_checkout_publishes_stock_and_order_then_payment_publishes_order_and_cart(capture_broadcasts):
    user = UserFactory()
    a = VariantFactory(stock=5)
    b = VariantFactory(stock=3)
    cart = CartFactory(user=user)
    CartLineFactory(cart=cart, variant=b, quantity=1)
    CartLineFactory(cart=cart, variant=a, quantity=2)

    with capture_broadcasts() as sent:
        order = order_services.checkout_start(cart=cart, user=user, email=user.email, address=ADDRESS)
    # No page can follow an order before it exists: only the stock figures go out.
    assert [topic for topic, _ in sent] == [f"stock.{a.pk}", f"stock.{b.pk}"]
    assert f'id="stock-{a.pk}" class="stock stock--low" data-stock="3" hx-swap-oob="true">Only 3 left<' in sent[0][1]

    with capture_broadcasts() as sent:
        order_services.order_mark_paid(order=order, amount_minor=order.total_minor, currency="usd", reference="pi_1")
    assert [topic for topic, _ in sent] == [f"order.{order.pk}", f"cart.{cart.pk}"]
    assert 'data-status="paid"' in sent[0][1]
    assert "Payment received" in sent[0][1]
    assert 'hx-swap-oob="true">0</span>' in sent[1][1]


def test_an_order_no_page_follows_is_not_rendered(capture_broadcasts, followers):
    order = OrderFactory()
    followers.add(f"order.{order.pk}")  # its page was closed

    with capture_broadcasts() as sent:
        order_services.order_mark_paid(order=order, amount_minor=order.total_minor, currency="usd", reference="pi_1")

    assert [topic for topic, _ in sent] == [f"cart.{order.cart_id}"]
    assert Order.objects.get().status == "paid"


def test_hold_release_publishes_order_and_stock(capture_broadcasts):
    from datetime import timedelta

    from django.utils import timezone

    variant = VariantFactory(stock=2)
    order = OrderFactory(variant=variant, quantity=2)

    with capture_broadcasts() as sent:
        order_services.holds_release_expired(now=timezone.now() + timedelta(hours=1))

    assert [topic for topic, _ in sent] == [f"order.{order.pk}", f"stock.{variant.pk}"]
    assert 'data-status="cancelled"' in sent[0][1]
    assert 'data-stock="2"' in sent[1][1]
    assert Order.objects.get().status == "cancelled"


def test_a_topic_published_twice_in_one_transaction_is_sent_once_with_the_last_fragment(capture_broadcasts):
    from django.db import transaction

    from realtime.broadcast import publish_on_commit

    with capture_broadcasts() as sent, transaction.atomic():
        publish_on_commit("stock.1", "<span id='stock-1'>5</span>")
        publish_on_commit("cart.2", "<span id='cart-count'>1</span>")
        publish_on_commit("stock.1", "<span id='stock-1'>4</span>")

    assert sent == [("cart.2", "<span id='cart-count'>1</span>"), ("stock.1", "<span id='stock-1'>4</span>")]


def test_a_rolled_back_publish_is_never_sent_and_does_not_block_the_next(capture_broadcasts):
    from django.db import transaction

    from realtime.broadcast import publish_on_commit

    with capture_broadcasts() as sent:
        with suppress(RuntimeError), transaction.atomic():
            publish_on_commit("stock.1", "rolled back")
            raise RuntimeError
        with transaction.atomic():
            publish_on_commit("stock.1", "committed")

    assert sent == [("stock.1", "committed")]


def test_publish_survives_a_dead_redis(settings, caplog):
    from realtime.broadcast import publish, stats

    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    failed_before = stats["failed"]

    assert publish("stock.1", "<span></span>") is False

    assert stats["failed"] == failed_before + 1
    assert "realtime publish failed" in caplog.text


def test_a_new_guest_cart_tells_the_visitors_pages_to_refresh(capture_broadcasts):
    from django.contrib.sessions.backends.db import SessionStore

    from commerce.cart.live import REFRESH_FRAGMENT, owner_topic

    session = SessionStore()
    session.create()

    with capture_broadcasts() as sent:
        cart = cart_services.cart_get_or_create(user=None, session=session)
        cart_services.cart_get_or_create(user=None, session=session)  # existing: nothing more

    topic = owner_topic(user_pk=None, session_key=session.session_key)
    assert topic is not None
    assert topic.startswith("visitor.")
    assert sent == [(topic, REFRESH_FRAGMENT)]
    assert session["cart_pk"] == cart.pk


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_stock_changes_is_pushed_once_with_the_final_figure(settings, monkeypatch, followers):
    import time

    from commerce.catalog.live import stock_publish
    from commerce.catalog.models import Variant
    from realtime import broadcast

    settings.REALTIME_COALESCE_SECONDS = 0.05
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(broadcast, "publish", lambda topic, html: sent.append((topic, html)) or True)
    variant = VariantFactory(stock=10)
    other = VariantFactory(stock=3)

    for stock in (9, 8, 7):  # three sales, each its own transaction
        Variant.objects.filter(pk=variant.pk).update(stock=stock)
        stock_publish([variant.pk])
    stock_publish([other.pk])
    unfollowed = VariantFactory(stock=4)
    followers.add(f"stock.{unfollowed.pk}")  # no page shows this one: nothing is rendered for it
    stock_publish([unfollowed.pk])
    time.sleep(0.3)

    assert sorted(topic for topic, _ in sent) == sorted([f"stock.{variant.pk}", f"stock.{other.pk}"])
    pushed = dict(sent)
    assert f'id="stock-{variant.pk}" class="stock stock--in" data-stock="7"' in pushed[f"stock.{variant.pk}"]
    assert f'id="stock-{other.pk}" class="stock stock--low" data-stock="3"' in pushed[f"stock.{other.pk}"]


def test_a_savepoint_rolled_back_never_cancels_a_publish_made_before_it(capture_broadcasts):
    from django.db import transaction

    from realtime.broadcast import publish_on_commit

    with capture_broadcasts() as sent, transaction.atomic():
        publish_on_commit("stock.1", "before")
        with suppress(RuntimeError), transaction.atomic():
            publish_on_commit("stock.1", "rolled back")
            raise RuntimeError

    assert sent == [("stock.1", "before")]


def test_a_publish_in_a_released_savepoint_replaces_the_earlier_one_when_both_commit(capture_broadcasts):
    from django.db import transaction

    from realtime.broadcast import publish_on_commit

    with capture_broadcasts() as sent, transaction.atomic():
        with transaction.atomic():
            publish_on_commit("stock.1", "inside")
        publish_on_commit("stock.1", "after")

    assert sent == [("stock.1", "after")]


def test_two_messages_in_one_transaction_are_both_pushed(capture_broadcasts):
    from django.db import transaction

    from commerce.support import services
    from tests.factories import UserFactory

    customer = UserFactory()
    conversation = services.conversation_for_customer(customer=customer)
    with capture_broadcasts() as sent, transaction.atomic():
        services.message_post(conversation=conversation, author=customer, from_staff=False, body="First")
        services.message_post(conversation=conversation, author=customer, from_staff=False, body="Second")

    thread = "".join(html for topic, html in sent if topic == conversation.topic)
    assert "First" in thread
    assert "Second" in thread


def test_a_failing_callback_is_logged_by_its_name_and_the_others_still_run(caplog, django_capture_on_commit_callbacks):
    from django.db import transaction

    from realtime.broadcast import on_commit_once

    ran = []

    def fails() -> None:
        raise RuntimeError("boom")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        on_commit_once("a", fails)
        on_commit_once("b", lambda: ran.append("b"))

    assert ran == ["b"]
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Error calling")]
    assert len(logged) == 1
    assert ".<locals>.fails in on_commit() (boom)" in logged[0]


def test_two_flushes_at_once_publish_the_later_state_last(settings, monkeypatch):
    """A timer firing while another flush still renders: the flush that started later reads a later
    state and must be the one published last, or pages keep the older figures."""
    import threading
    import time

    from realtime import broadcast, topics

    state = {"value": 1}
    first_render_started = threading.Event()

    def render(key: str, followed: bool) -> str:
        seen = state["value"]
        if seen == 1:  # the first flush reads the old state, then takes its time
            first_render_started.set()
            time.sleep(0.3)
        return f"<b>{seen}</b>"

    topics.register("flushprobe", lambda key: None, push=render, allowed=topics.public)
    sent: list[str] = []
    monkeypatch.setattr(broadcast, "publish", lambda topic, html: sent.append(html) or True)
    monkeypatch.setattr(broadcast.hub, "followed", lambda names: set(names))
    coalescer = broadcast.Coalescer()
    settings.REALTIME_COALESCE_SECONDS = 10  # flushes are called by hand below

    coalescer.mark("flushprobe.1")
    slow = threading.Thread(target=coalescer.flush)
    slow.start()
    assert first_render_started.wait(5)
    state["value"] = 2  # a change commits meanwhile, and its own flush runs
    coalescer.mark("flushprobe.1")
    coalescer.flush()
    slow.join(5)

    assert sent[-1] == "<b>2</b>"
