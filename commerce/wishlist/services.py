"""Writes to wishlists. A signed-in person's list is rows (one per product); a guest's is a short list
of product pks in the session, which joins the account's list on sign-in."""

from collections.abc import MutableMapping
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from commerce.accounts.models import User
from commerce.cart.errors import CartError
from commerce.cart.models import Cart, CartLine
from commerce.cart.services import cart_get_or_create, cart_line_add
from commerce.catalog.selectors import variant_for_sale

from .errors import WishlistError
from .models import MAX_ITEMS, SESSION_KEY, WishlistItem
from .selectors import ProductState, product_states
from .session import session_saved


def _state(product_pk: int) -> ProductState:
    state = product_states([product_pk]).get(product_pk)
    if state is None:
        raise WishlistError("unavailable", "That product is not available.", status=404)
    return state


def _new_item(*, user: User, product_pk: int, state: ProductState, created_at: Any = None) -> WishlistItem:
    return WishlistItem(
        user=user,
        product_id=product_pk,
        created_at=created_at or timezone.now(),
        price_seen=state.low,
        waiting_restock=state.stock <= 0,  # saved while sold out: its return is worth telling
    )


def wishlist_save(*, user: User | None, session: MutableMapping[str, Any], product_pk: int) -> bool:
    """Save a live product for this person (or guest session); saving it again changes nothing.

    Returns whether it was newly saved. A full list is refused (WishlistError), nothing changed."""
    state = _state(product_pk)
    if user is None:
        saved = session_saved(session)
        if product_pk in saved:
            return False
        if len(saved) >= MAX_ITEMS:
            raise WishlistError.full()
        session[SESSION_KEY] = [product_pk, *saved]  # the only write that makes a guest's session a row
        return True
    with transaction.atomic():
        # The person's row, locked: two tabs saving at once count the list one after the other.
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).get()
        if WishlistItem.objects.filter(user=user, product_id=product_pk).exists():
            return False
        if WishlistItem.objects.filter(user=user).count() >= MAX_ITEMS:
            raise WishlistError.full()
        _new_item(user=user, product_pk=product_pk, state=state).save()
        return True


def wishlist_remove(*, user: User | None, session: MutableMapping[str, Any], product_pk: int) -> bool:
    """Take a product off this person's list; one already gone is not an error (a double submit)."""
    if user is None:
        saved = session_saved(session)
        if product_pk not in saved:
            return False
        session[SESSION_KEY] = [pk for pk in saved if pk != product_pk]
        return True
    deleted, _ = WishlistItem.objects.filter(user=user, product_id=product_pk).delete()
    return bool(deleted)


@transaction.atomic
def wishlist_adopt_on_login(*, user: User, session: MutableMapping[str, Any]) -> int:
    """After sign-in (or sign-up), add what this guest session saved to the person's list and clear it
    from the session. Products already on the list stay as they were; running it twice adds nothing.
    Returns how many products joined."""
    guest = session_saved(session)
    session.pop(SESSION_KEY, None)
    if not guest:
        return 0
    states = product_states(guest)
    have = set(WishlistItem.objects.filter(user=user, product_id__in=guest).values_list("product_id", flat=True))
    now = timezone.now()
    # Oldest first, a microsecond apart, so the list keeps the order the guest saved them in.
    joining = [pk for pk in reversed(guest) if pk in states and pk not in have]
    items = [
        _new_item(user=user, product_pk=pk, state=states[pk], created_at=now + timedelta(microseconds=i))
        for i, pk in enumerate(joining)
    ]
    # A second sign-in racing this one (two tabs) may have added some: those are skipped.
    created = WishlistItem.objects.bulk_create(items, ignore_conflicts=True)
    return len(created)


def wishlist_move_to_cart(
    *, user: User | None, session: MutableMapping[str, Any], product_pk: int, variant_pk: int
) -> CartLine:
    """Put one of a saved product's options in the cart (through the cart's own service, so the
    badge and the cart's other tabs follow) and take the product off the list, together.

    Refused with nothing changed: an option of another product or not for sale, a sold-out one
    (CartError), a product no longer on the list (a double submit)."""
    variant = variant_for_sale(pk=variant_pk)
    if variant is None or variant.product_id != product_pk:
        raise WishlistError.no_option()
    if variant.stock <= 0:  # before a guest's first cart is made for nothing
        raise CartError.insufficient_stock(name=str(variant), available=0, in_cart=0)
    if user is None and product_pk not in session_saved(session):
        raise _not_saved()
    cart: Cart = cart_get_or_create(user=user, session=session)
    with transaction.atomic():
        if user is not None:
            item = WishlistItem.objects.select_for_update().filter(user=user, product_id=product_pk).first()
            if item is None:
                raise _not_saved()
            item.delete()
        line = cart_line_add(cart=cart, variant_pk=variant.pk, quantity=1)
    if user is None:
        wishlist_remove(user=None, session=session, product_pk=product_pk)
    return line


def _not_saved() -> WishlistError:
    return WishlistError("not_saved", "That product is no longer in your wishlist.")
