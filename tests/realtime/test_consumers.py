"""The live socket against the real ASGI stack (origin check, sessions, auth) and the Redis layer."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing

from commerce.cart import services as cart_services
from commerce.cart.live import owner_topic
from commerce.cart.models import Cart
from project.asgi import application
from realtime import topics
from realtime.broadcast import publish
from tests.factories import CartFactory, VariantFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = (b"origin", b"http://127.0.0.1")


@sync_to_async
def new_session(**data: object) -> str:
    store = SessionStore()
    store.update(data)
    store.create()
    return str(store.session_key)


def token_for(session_key: str, names: list[str]) -> str:
    binding = topics.binding_for(user_pk=None, session_key=session_key)
    return signing.dumps({"t": names, "b": binding}, salt=topics.SALT, compress=True)


def communicator(
    token: str | None, session_key: str | None, origin: tuple[bytes, bytes] = ORIGIN
) -> WebsocketCommunicator:
    headers = [origin, (b"host", b"127.0.0.1")]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    path = "/ws/live/" + (f"?t={token}" if token is not None else "")
    return WebsocketCommunicator(application, path, headers=headers)


async def connect(comm: WebsocketCommunicator) -> tuple[bool, int | None]:
    connected, code = await comm.connect(timeout=5)
    return connected, code


@pytest.fixture
async def variant():  # type: ignore[no-untyped-def]
    return await sync_to_async(VariantFactory)(stock=7, name="M", product__name="Tee")


async def test_snapshot_then_pushed_fragments(variant):
    key = await new_session()
    comm = communicator(token_for(key, [f"stock.{variant.pk}"]), key)

    connected, _ = await connect(comm)
    assert connected
    snapshot = await comm.receive_from(timeout=5)
    assert f'id="stock-{variant.pk}"' in snapshot
    assert 'data-stock="7"' in snapshot
    assert 'hx-swap-oob="true"' in snapshot

    await sync_to_async(publish)(f"stock.{variant.pk}", "<span id='x'>pushed</span>")
    assert await comm.receive_from(timeout=5) == "<span id='x'>pushed</span>"
    await comm.disconnect()


async def test_topics_not_in_the_token_are_not_received(variant):
    key = await new_session()
    other = await sync_to_async(VariantFactory)()
    comm = communicator(token_for(key, [f"stock.{variant.pk}"]), key)
    assert (await connect(comm))[0]
    await comm.receive_from(timeout=5)  # snapshot

    await sync_to_async(publish)(f"stock.{other.pk}", "<span>other</span>")
    await sync_to_async(publish)("cart.1", "<span>cart</span>")

    assert await comm.receive_nothing(timeout=0.5)
    await comm.disconnect()


@pytest.mark.parametrize("case", ["missing", "forged", "other_session", "no_session", "expired"])
async def test_bad_tokens_are_refused(variant, settings, case):
    key = await new_session()
    names = [f"stock.{variant.pk}", str(owner_topic(user_pk=None, session_key=key))]  # the guest's own topic
    token: str | None = token_for(key, names)
    session: str | None = key
    if case == "missing":
        token = None
    elif case == "forged":
        token = signing.dumps({"t": names, "b": f"s:{key}"}, key="not-our-secret", salt=topics.SALT)
    elif case == "other_session":
        session = await new_session()
    elif case == "no_session":
        session = None
    elif case == "expired":
        settings.REALTIME_TOKEN_MAX_AGE = -1

    connected, code = await connect(communicator(token, session))

    assert not connected
    assert code == 4403


async def test_foreign_origin_is_refused(variant):
    key = await new_session()
    comm = communicator(token_for(key, [f"stock.{variant.pk}"]), key, origin=(b"origin", b"https://evil.example"))

    connected, _ = await connect(comm)

    assert not connected


async def test_oversized_frame_closes_the_socket(variant, settings):
    key = await new_session()
    comm = communicator(token_for(key, [f"stock.{variant.pk}"]), key)
    assert (await connect(comm))[0]
    await comm.receive_from(timeout=5)

    await comm.send_to(text_data="x" * (settings.REALTIME_MAX_INBOUND_BYTES + 1))

    assert await comm.receive_output(timeout=5) == {"type": "websocket.close", "code": 1009}


async def test_a_flood_of_frames_closes_the_socket(variant, settings):
    settings.REALTIME_INBOUND_BURST = 5
    key = await new_session()
    comm = communicator(token_for(key, [f"stock.{variant.pk}"]), key)
    assert (await connect(comm))[0]
    await comm.receive_from(timeout=5)

    for _ in range(6):
        await comm.send_to(text_data=json.dumps({"type": "ping"}))
    outputs = [await comm.receive_output(timeout=5) for _ in range(6)]

    assert outputs[-1] == {"type": "websocket.close", "code": 1008}
    assert [json.loads(o["text"]) for o in outputs[:5]] == [{"type": "pong"}] * 5


async def test_cart_change_reaches_another_tab_of_the_same_cart(variant):
    cart: Cart = await sync_to_async(CartFactory)()
    key = await new_session(cart_pk=cart.pk)  # the guest's own cart
    comm = communicator(token_for(key, [f"cart.{cart.pk}"]), key)
    assert (await connect(comm))[0]
    first = await comm.receive_from(timeout=5)
    assert '<span id="cart-count" class="badge" aria-live="polite" hx-swap-oob="true">0</span>' in first

    await sync_to_async(cart_services.cart_line_add)(cart=cart, variant_pk=variant.pk, quantity=2)

    pushed = await asyncio.wait_for(comm.receive_from(), timeout=5)
    assert '<span id="cart-count" class="badge" aria-live="polite" hx-swap-oob="true">2</span>' in pushed
    assert '<div id="cart-body" class="cart" hx-swap-oob="true">' in pushed
    assert "Tee" in pushed
    await comm.disconnect()


async def test_losing_redis_closes_the_socket_so_the_page_reconnects(variant):
    from realtime.hub import hub

    key = await new_session()
    comm = communicator(token_for(key, [f"stock.{variant.pk}"]), key)
    assert (await connect(comm))[0]
    await comm.receive_from(timeout=5)  # snapshot

    await hub._pubsub.connection.disconnect()  # the Redis connection drops under the hub

    assert await comm.receive_output(timeout=5) == {"type": "websocket.close", "code": 1013}
    await comm.disconnect()


async def test_a_push_made_while_the_snapshot_is_read_follows_it():
    """The snapshot is read in a thread while pushes keep arriving: none may land before it
    (an older state would then overwrite a newer one on the page)."""
    import time

    from realtime.hub import hub

    def snapshot_with_a_change_meanwhile(key: str) -> str:
        publish(f"probe.{key}", "<span id='p'>new</span>")  # a change commits while the page connects
        deadline = time.monotonic() + 5
        while not any(s.backlog for s in hub._members.get(f"probe.{key}", ())) and time.monotonic() < deadline:
            time.sleep(0.01)  # until the push has reached this process's hub
        return "<span id='p'>old</span>"

    topics.register("probe", snapshot_with_a_change_meanwhile, allowed=topics.public)
    key = await new_session()
    comm = communicator(token_for(key, ["probe.1"]), key)
    assert (await connect(comm))[0]

    assert await comm.receive_from(timeout=5) == "<span id='p'>old</span>"
    assert await comm.receive_from(timeout=5) == "<span id='p'>new</span>"
    await comm.disconnect()
