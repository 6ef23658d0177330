"""The guest cart a browser session created, as the session remembers it."""

import pytest

from commerce.cart.models import SESSION_KEY
from commerce.cart.session import session_cart_pk


@pytest.mark.parametrize(
    ("stored", "pk"),
    [(12, 12), ("12", 12), (None, None), ("", None), ("x", None), (0, None), (-3, None), ([12], None)],
)
def test_the_sessions_cart_is_a_positive_number_or_none(stored, pk):
    assert session_cart_pk({SESSION_KEY: stored}) == pk


def test_a_session_without_a_cart_has_none():
    assert session_cart_pk({}) is None
