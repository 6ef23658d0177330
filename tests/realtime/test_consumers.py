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


async def until(condition, within: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    """Whether `condition()` (sync, may touch Redis) holds within `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not await sync_to_async(condition)():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def followed_anywhere(topic: str) -> bool:
    """What publishers see: a Redis subscription to the topic in some process (PUBSUB NUMSUB)."""
    from realtime.hub import has_followers

    return has_followers(topic)


async def test_a_failed_snapshot_closes_the_socket_and_leaves_the_hub():
    """PostgreSQL restarting while a page connects: the socket must not stay joined and never ready,
    collecting every later push (a leak per such socket); it is closed and the page retries."""
    from realtime.hub import hub

    def database_restarting(key: str) -> str:
        raise ConnectionError("the database system is starting up")

    topics.register("broken", database_restarting, allowed=topics.public)
    key = await new_session()
    comm = communicator(token_for(key, ["broken.1"]), key)
    assert (await connect(comm))[0]

    assert await comm.receive_output(timeout=5) == {"type": "websocket.close", "code": 1013}
    assert "broken.1" not in hub._members
    assert await until(lambda: not followed_anywhere("broken.1"))
    await sync_to_async(publish)("broken.1", "<span>later</span>")
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_a_connect_cancelled_while_its_snapshot_is_read_still_leaves_the_hub():
    """The page goes away while its snapshot is slow and the server gives up on the consumer
    (Daphne cancels it): `disconnect` never runs, yet the socket must not stay in the hub."""
    import threading

    from realtime.hub import hub

    release = threading.Event()

    def slow_snapshot(key: str) -> str:
        release.wait(timeout=30)
        return "<span id='s'>late</span>"

    topics.register("slow", slow_snapshot, allowed=topics.public)
    key = await new_session()
    comm = communicator(token_for(key, ["slow.1"]), key)
    try:
        assert (await connect(comm))[0]
        assert "slow.1" in hub._members

        await comm.disconnect(timeout=0.5)  # the consumer is still in connect: it gets cancelled

        assert "slow.1" not in hub._members
    finally:
        release.set()
    assert await until(lambda: not followed_anywhere("slow.1"))


async def test_a_backlog_past_its_bound_closes_the_socket(settings):
    """Pushes that arrive while a snapshot is read wait for it, but no more than REALTIME_MAX_BACKLOG:
    past that the socket is closed with 1013 and the page heals from a fresh snapshot."""
    import time

    from realtime.hub import hub

    settings.REALTIME_MAX_BACKLOG = 3

    def snapshot_during_a_burst(key: str) -> str:
        for n in range(4):
            publish(f"burst.{key}", f"<span id='b'>{n}</span>")
        deadline = time.monotonic() + 5
        while hub._members.get(f"burst.{key}") and time.monotonic() < deadline:
            time.sleep(0.01)  # until the hub has handled the fourth push
        return "<span id='b'>snapshot</span>"

    topics.register("burst", snapshot_during_a_burst, allowed=topics.public)
    key = await new_session()
    comm = communicator(token_for(key, ["burst.1"]), key)
    assert (await connect(comm))[0]

    assert await comm.receive_output(timeout=5) == {"type": "websocket.close", "code": 1013}
    assert "burst.1" not in hub._members
    await comm.disconnect()


async def test_a_backlog_within_its_bound_follows_the_snapshot(settings):
    from realtime.hub import hub

    settings.REALTIME_MAX_BACKLOG = 3

    def snapshot_during_a_burst(key: str) -> str:
        import time

        for n in range(3):
            publish(f"steady.{key}", f"<span id='b'>{n}</span>")
        deadline = time.monotonic() + 5
        while sum(len(s.backlog) for s in hub._members.get(f"steady.{key}", ())) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        return "<span id='b'>snapshot</span>"

    topics.register("steady", snapshot_during_a_burst, allowed=topics.public)
    key = await new_session()
    comm = communicator(token_for(key, ["steady.1"]), key)
    assert (await connect(comm))[0]

    received = [await comm.receive_from(timeout=5) for _ in range(4)]
    assert received == ["<span id='b'>snapshot</span>"] + [f"<span id='b'>{n}</span>" for n in range(3)]
    await comm.disconnect()


def from_address(address: str, token: str, session_key: str) -> WebsocketCommunicator:
    """A socket as our proxy hands it over: the client's address last in X-Forwarded-For."""
    comm = communicator(token, session_key)
    comm.scope["headers"].append((b"x-forwarded-for", address.encode()))
    return comm


async def test_open_sockets_per_address_are_limited(variant, settings, caplog):
    settings.BEHIND_PROXY = True
    settings.PROXY_HOPS = 1
    settings.REALTIME_MAX_SOCKETS_PER_ADDRESS = 2
    key = await new_session()
    token = token_for(key, [f"stock.{variant.pk}"])
    first, second, third = (from_address("203.0.113.9", token, key) for _ in range(3))
    elsewhere = from_address("198.51.100.4", token, key)
    try:
        for comm in (first, second):
            assert (await connect(comm))[0]
            assert 'data-stock="7"' in await comm.receive_from(timeout=5)

        assert (await connect(third))[0]
        assert await third.receive_output(timeout=5) == {"type": "websocket.close", "code": 1013}
        assert any(
            r.getMessage() == "live socket refused: too many open from one address"
            and getattr(r, "address", None) == "203.0.113.9"
            for r in caplog.records
        )

        assert (await connect(elsewhere))[0]  # another household is not affected
        assert 'data-stock="7"' in await elsewhere.receive_from(timeout=5)

        await first.disconnect()  # a tab closed: its slot is free again
        again = from_address("203.0.113.9", token, key)
        assert (await connect(again))[0]
        assert 'data-stock="7"' in await again.receive_from(timeout=5)
        await again.disconnect()
    finally:
        for comm in (second, third, elsewhere):
            await comm.disconnect()
