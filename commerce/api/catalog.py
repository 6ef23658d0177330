"""API: catalog (mounted by main.py)."""

from ninja import Router

router = Router(tags=["Catalog"])
