"""Writes to discount codes: taking a use at checkout, giving it back when the order is cancelled.

A use is taken like stock (ARCHITECTURE.md): a conditional UPDATE of the code's counter, in the
caller's transaction, so that 200 buyers racing for a code limited to 50 uses get exactly 50.
"""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from commerce.accounts.models import User
from commerce.orders.models import Order

from .errors import DiscountError
from .live import code_carts_publish_on_commit
from .models import DiscountCode, DiscountRedemption
from .selectors import uses_by


@transaction.atomic
def discount_redeem(*, code: DiscountCode, order: Order, user: User | None, email: str) -> DiscountRedemption:
    """Take one use of `code` for `order`, or raise DiscountError and take nothing.

    Run it inside the checkout's transaction, after the order row is written and just before the
    stock take: a code's row is locked before the variants' rows everywhere (a cancel gives the use
    back before the stock, orders.services._release_hold), so two transactions never wait on each
    other in a cycle. The counter's row lock, held until commit, serializes the buyers of one code
    (as the stock take does for a variant); the per-customer count is read under it, so one customer
    racing themself gets one use. A savepoint of its own: when it raises, the counter is back as it
    was even if the caller catches the error and goes on.
    """
    taken = DiscountCode.objects.filter(
        Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")), pk=code.pk, is_active=True
    ).update(times_used=F("times_used") + 1)
    if not taken:
        if not DiscountCode.objects.filter(pk=code.pk, is_active=True).exists():
            raise DiscountError.unknown(code.code)
        raise DiscountError.used_up(code.code)
    # Counted after the update: this transaction now holds the code's row, so a concurrent use by
    # the same customer has committed (and is counted) or waits for this one.
    limit = code.per_customer_limit
    if limit is not None and uses_by(code=code, user=user, email=email).count() >= limit:
        raise DiscountError.already_used(code.code)
    if _used_up(code.pk):  # this was the last use: the carts holding the code lose it
        code_carts_publish_on_commit(code.code)
    return DiscountRedemption.objects.create(code=code, order=order, user=user, email=email.strip().lower())


def _used_up(pk: int) -> bool:
    return DiscountCode.objects.filter(pk=pk, usage_limit__isnull=False, times_used__gte=F("usage_limit")).exists()


@transaction.atomic
def discount_give_back(*, order: Order) -> bool:
    """Give back the use `order` took, once; False if it took none or it was already given back.

    Safe to run twice at once (a cancel and a hold expiry): the release is a conditional update of
    the redemption row, and only the call that made it lowers the code's counter.
    """
    redemption = DiscountRedemption.objects.filter(order=order, released_at__isnull=True).first()
    if redemption is None:
        return False
    released = DiscountRedemption.objects.filter(pk=redemption.pk, released_at__isnull=True).update(
        released_at=timezone.now()
    )
    if released:
        # Locked, so that of two uses given back at once only the one that makes the code usable
        # again sees it used up.
        text, times_used, limit = (
            DiscountCode.objects.select_for_update()
            .filter(pk=redemption.code_id)
            .values_list("code", "times_used", "usage_limit")
            .get()
        )
        DiscountCode.objects.filter(pk=redemption.code_id, times_used__gt=0).update(times_used=F("times_used") - 1)
        if limit is not None and times_used >= limit:  # usable again: the carts holding it get it back
            code_carts_publish_on_commit(text)
    return bool(released)
