"""Transport for live updates: one WebSocket per page, HTML fragments pushed by topic.

Knows nothing of carts or orders; commerce areas register their topic kinds here.
"""
