"""The orders a browser session may view: remembered once each, the newest twenty."""

from commerce.orders.models import Order
from commerce.orders.session import SESSION_KEY, session_orders, session_remember_order


def test_an_order_is_remembered_once():
    session: dict[str, object] = {}

    session_remember_order(session, Order(number="LS-AAAA-0001"))
    session_remember_order(session, Order(number="LS-AAAA-0001"))

    assert session == {SESSION_KEY: ["LS-AAAA-0001"]}
    assert session_orders(session) == ["LS-AAAA-0001"]


def test_the_newest_twenty_are_kept():
    session: dict[str, object] = {}

    for n in range(25):
        session_remember_order(session, Order(number=f"LS-AAAA-{n:04d}"))

    assert session_orders(session) == [f"LS-AAAA-{n:04d}" for n in range(5, 25)]


def test_a_session_that_remembers_nothing_has_no_orders():
    assert session_orders({}) == []
