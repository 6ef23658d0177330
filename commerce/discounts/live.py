"""Codes seen live: a change to a code reaches every open cart page holding it."""

from commerce.cart.tasks import code_carts_refresh
from project.enqueue import enqueue_on_commit


def code_carts_publish_on_commit(code: str) -> None:
    """Once the transaction commits, have a worker push again every cart holding `code`.

    Call it where what the code takes off a cart changes: its last use taken, a use of a used-up code
    given back, staff editing, deactivating or deleting it. (Expiry and start by the clock: cart.tasks.)
    """
    enqueue_on_commit(code_carts_refresh, code)
