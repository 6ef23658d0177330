"""What a personal access token may do: its scopes, and the role a person needs to hold each.

A token carries the scopes chosen when it was made; a call is allowed when the token has the scope
and its owner still holds the role the scope needs (a role withdrawn later takes the power away from
every token at once). The browser's own session acts with every scope its person's roles allow.
"""

from collections.abc import Iterable

from commerce.accounts.models import User

# scope -> (what it allows, in words for the account page; the staff role it needs, or "" for anyone)
SCOPES: dict[str, tuple[str, str]] = {
    "shop:read": ("Read your cart, orders and account", ""),
    "shop:write": ("Change your cart, check out, pay, and change your account", ""),
    "orders:read": ("Staff: read every order", "ops"),
    "orders:write": ("Staff: move, cancel and refund orders", "ops"),
    "stock:read": ("Staff: read stock levels", "ops"),
    "stock:write": ("Staff: change stock levels", "ops"),
    "support:read": ("Staff: read support conversations", "support"),
    "support:write": ("Staff: reply in support conversations", "support"),
}
GUEST_SCOPES = frozenset({"shop:read", "shop:write"})  # a guest's session: its own cart, checkout and orders


def role_allows(user: User | None, scope: str) -> bool:
    """True when `user` (None: a guest) may act with `scope` now."""
    if scope not in SCOPES:
        return False
    role = SCOPES[scope][1]
    if user is None:
        return scope in GUEST_SCOPES
    return not role or user.in_role(role)


def allowed_scopes(user: User | None) -> frozenset[str]:
    """Every scope `user` may act with (and so may put on a token)."""
    return frozenset(scope for scope in SCOPES if role_allows(user, scope))


def scopes_clean(scopes: Iterable[str], user: User) -> list[str]:
    """The scopes asked for, in SCOPES order; ValueError names one that is unknown or not `user`'s to give."""
    asked = set(scopes)
    refused = sorted(asked - allowed_scopes(user))
    if refused:
        raise ValueError(f"Not a scope you can give a token: {', '.join(refused)}.")
    if not asked:
        raise ValueError("Choose at least one scope.")
    return [scope for scope in SCOPES if scope in asked]
