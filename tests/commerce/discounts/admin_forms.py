"""The admin's change form for a discount code, as staff post it (shared by the admin and live tests)."""


def code_form(**fields: str) -> dict[str, str]:
    """A 15% code named SPRING, with `fields` changed."""
    return {
        "code": "SPRING",
        "description": "",
        "kind": "percent",
        "value": "15",
        "is_active": "on",
        "min_subtotal": "0",
        "starts_at_0": "",
        "starts_at_1": "",
        "ends_at_0": "",
        "ends_at_1": "",
        "usage_limit": "",
        "per_customer_limit": "",
        "redemptions-TOTAL_FORMS": "0",
        "redemptions-INITIAL_FORMS": "0",
        **fields,
    }
