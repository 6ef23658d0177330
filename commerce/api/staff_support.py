"""API: staff: support (mounted by main.py)."""

from ninja import Router

router = Router(tags=["Staff: support"])
