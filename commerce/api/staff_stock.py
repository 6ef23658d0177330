"""API: staff: stock (mounted by main.py)."""

from ninja import Router

router = Router(tags=["Staff: stock"])
