"""Codes seen live: a change to a code reaches every open cart page holding it."""

from commerce.cart.tasks import code_carts_refresh
from realtime.broadcast import on_commit_once


def code_carts_publish_on_commit(code: str) -> None:
    """Once the transaction commits, have a worker push again every cart holding `code`.

    Call it where a code's use on a cart changes: its last use taken, a use of a used-up code given
    back, staff editing, deactivating or deleting it. (Expiry and start by the clock: cart.tasks.)
    """
    on_commit_once(("code-carts", code), lambda: code_carts_refresh.delay(code))
