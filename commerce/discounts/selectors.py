"""Reads of discount codes: whether a code applies to a cart now, and what it takes off."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet, Value

from commerce.accounts.models import User

from .errors import DiscountError
from .models import DiscountCode, DiscountRedemption
from .pricing import ZERO, AppliedDiscount, DiscountLine, allocate, amount_off, eligible_lines


def code_find(text: str) -> DiscountCode | None:
    """The active code a shopper typed, in any case, with spaces around it; None if there is none."""
    wanted = text.strip().upper()
    if not wanted:
        return None
    return DiscountCode.objects.filter(code=wanted, is_active=True).first()


def restrictions(code: DiscountCode) -> tuple[set[int], set[int]]:
    """The products and the categories the code is restricted to (both empty: the whole cart), in one query."""
    products = DiscountCode.products.through.objects.filter(discountcode_id=code.pk)
    categories = DiscountCode.categories.through.objects.filter(discountcode_id=code.pk)
    rows = products.values_list(Value("product"), "product_id").union(
        categories.values_list(Value("category"), "category_id"), all=True
    )
    chosen: dict[str, set[int]] = {"product": set(), "category": set()}
    for kind, pk in rows:
        chosen[kind].add(pk)
    return chosen["product"], chosen["category"]


def uses_by(*, code: DiscountCode, user: User | None, email: str) -> QuerySet[DiscountRedemption]:
    """The uses of `code` not given back by this customer: their account's, and any made under their
    email (a guest's uses are counted by email, whatever its case)."""
    mine = Q(email=email.strip().lower())
    if user is not None:
        mine |= Q(user=user)
    return DiscountRedemption.objects.filter(mine, code=code, released_at__isnull=True)


def discount_check(
    text: str,
    *,
    lines: list[DiscountLine],
    subtotal: Decimal,
    user: User | None,
    email: str,
    now: datetime,
) -> AppliedDiscount:
    """What the code `text` takes off these lines now, or raise DiscountError saying why it cannot.

    A first look, without locks: at checkout `services.discount_redeem` takes the use and decides
    (the code may be used up by then). `email` may be empty for a guest who has not given one yet.
    """
    code = code_find(text)
    if code is None:
        raise DiscountError.unknown(text.strip())
    if code.starts_at is not None and now < code.starts_at:
        raise DiscountError.not_started(code.code)
    if code.ends_at is not None and now >= code.ends_at:
        raise DiscountError.expired(code.code)
    if code.usage_limit is not None and code.times_used >= code.usage_limit:
        raise DiscountError.used_up(code.code)
    if subtotal < code.min_subtotal:
        raise DiscountError.below_minimum(code.code, minimum=code.min_subtotal, subtotal=subtotal)
    if (
        code.per_customer_limit is not None
        and (user is not None or email.strip())
        and uses_by(code=code, user=user, email=email).count() >= code.per_customer_limit
    ):
        raise DiscountError.already_used(code.code)
    product_pks, category_pks = restrictions(code)
    eligible = eligible_lines(lines, product_pks=product_pks, category_pks=category_pks)
    if not eligible:
        raise DiscountError.nothing_eligible(code.code)
    amount = amount_off(code, eligible_total=sum((line.total for line in eligible), Decimal(0)), subtotal=subtotal)
    # Every line is named, the lines the code does not cover with 0 off.
    allocation = {line.variant_pk: ZERO for line in lines} | allocate(amount, eligible)
    return AppliedDiscount(
        code=code, amount=amount, free_shipping=code.kind == DiscountCode.Kind.FREE_SHIPPING, allocation=allocation
    )


def codes_turned(*, since: datetime, now: datetime) -> list[str]:
    """The codes that expired (`ends_at`) or started (`starts_at`) in (since, now], active or not:
    the carts holding them show other figures now."""
    turned = Q(ends_at__gt=since, ends_at__lte=now) | Q(starts_at__gt=since, starts_at__lte=now)
    return list(DiscountCode.objects.filter(turned).order_by("code").values_list("code", flat=True))
