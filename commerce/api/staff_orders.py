"""API: staff: orders (mounted by main.py)."""

from ninja import Router

router = Router(tags=["Staff: orders"])
