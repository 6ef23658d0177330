"""Outgoing webhooks: endpoints staff register, events signed with HMAC-SHA256, delivered through an outbox."""
