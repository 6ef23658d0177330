"""Outgoing webhooks' endpoints and deliveries (built by the webhooks part of issue 22)."""
