"""The JSON API (django-ninja): /api/v1/..., its schema at /api/openapi.json, its docs at /api/docs.

main.py builds the one NinjaAPI and mounts a router per audience: public catalog and search, the
shopper's cart, checkout, orders and account, and the staff's orders, stock and support. Every call
is authenticated by auth.py (a personal access token, or the browser's session with CSRF), counted
against the rate limits, and answered with errors in one shape (errors.py). Writes call the same
services as the pages, so live pushes, notifications and the ops feed follow.
"""
