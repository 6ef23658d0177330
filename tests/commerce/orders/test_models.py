from commerce.orders.models import TRANSITIONS, OrderEvent


def test_every_status_an_order_can_reach_is_an_event_kind():
    """A status change is written under the status it reached (`OrderEvent.Kind(to)`)."""
    reachable = set().union(*TRANSITIONS.values())

    assert reachable <= set(OrderEvent.Kind.values)
