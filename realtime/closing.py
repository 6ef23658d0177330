"""Closing live sockets from anywhere: every socket of one user, or of one browser session, in every process.

Fragments travel through the hub (realtime/hub.py); what is addressed to particular sockets
travels through the channel layer (channels-redis in the services mode, in-memory embedded).
Only signed-in users' sockets join these groups (LiveConsumer): a guest has no sign-out and no
role to lose, and their sockets pay for no channel-layer subscription.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .topics import digest

logger = logging.getLogger(__name__)

# The session signed out: the page must not reconnect (htmx-ext-ws reconnects only on 1006, 1011-1013).
CLOSE_SIGNED_OUT = 4401
# A role was withdrawn: the page reconnects and the consumer joins only what the user may still follow.
CLOSE_RECHECK = 1012


def user_group(user_pk: int) -> str:
    return f"live.user.{digest(str(user_pk), purpose='group.user')}"


def session_group(session_key: str) -> str:
    """Named by a digest: a group name travels through Redis and logs, the session key must not."""
    return f"live.session.{digest(session_key, purpose='group.session')}"


def close_group(group: str, *, code: int) -> None:
    """Close every live socket in `group`, in every process; never raises (logged: sockets then live on
    until they next reconnect, when the consumer checks their token and topics again)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "live.close", "code": code})
    except Exception:
        logger.exception("closing live sockets failed", extra={"group": group})
