"""Signing out and losing a role close live sockets, through the channel layer (Redis here), at once."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.core import signing
from django.test import Client

from project.asgi import application
from realtime import topics
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

SIGNED_OUT = 4401  # the page must not reconnect
RECHECK = 1012  # the page reconnects, and follows only what it still may


@sync_to_async
def signed_in_client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@sync_to_async
def agent_named(email: str):  # type: ignore[no-untyped-def]
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="support")[0])
    return user


def page_socket(user, client: Client, names: list[str] | None = None) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    """A socket as a page of this browser opens it (and opens it again, to reconnect)."""
    token = signing.dumps({"t": names or [f"user.{user.pk}"], "b": f"u:{user.pk}"}, salt=topics.SALT, compress=True)
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    return WebsocketCommunicator(application, f"/ws/live/?t={token}", headers=headers)


async def open_socket(user, client: Client, names: list[str] | None = None) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    comm = page_socket(user, client, names)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    while not await comm.receive_nothing(timeout=0.2):  # snapshots
        await comm.receive_output(timeout=1)
    return comm


async def closed_with(comm: WebsocketCommunicator) -> int | None:
    """The code the server closed this socket with, within 2 s (None: still open)."""
    if await comm.receive_nothing(timeout=2):
        return None
    output = await comm.receive_output(timeout=1)
    assert output["type"] == "websocket.close", output
    return int(output["code"])


async def test_signing_out_closes_every_socket_of_that_session_and_no_other():
    sam = await sync_to_async(UserFactory)(email="sam@example.com")
    laptop, phone = await signed_in_client(sam), await signed_in_client(sam)
    tab_one, tab_two, on_phone = (
        await open_socket(sam, laptop),
        await open_socket(sam, laptop),
        await open_socket(sam, phone),
    )

    response = await sync_to_async(laptop.post)("/accounts/logout/")

    assert response.status_code == 302
    assert await closed_with(tab_one) == SIGNED_OUT
    assert await closed_with(tab_two) == SIGNED_OUT
    assert await on_phone.receive_nothing(timeout=0.5)  # signed in on the phone still
    await on_phone.disconnect()


async def test_removing_the_support_role_closes_the_agents_sockets_and_they_cannot_rejoin_the_inbox():
    alex = await agent_named("alex@example.com")
    bea = await agent_named("bea@example.com")
    client = await signed_in_client(alex)
    inbox = await open_socket(alex, client, ["support.inbox"])
    other_agent = await open_socket(bea, await signed_in_client(bea), ["support.inbox"])

    await sync_to_async(alex.groups.remove)(await sync_to_async(Group.objects.get)(name="support"))

    assert await closed_with(inbox) == RECHECK
    again = page_socket(alex, client, ["support.inbox"])  # the page reconnects: nothing left to follow
    assert await again.connect(timeout=5) == (False, 4403)
    assert await other_agent.receive_nothing(timeout=0.5)
    await other_agent.disconnect()


@pytest.mark.parametrize(
    "withdraw",
    [
        pytest.param(lambda user, group: user.groups.set([]), id="groups-set-as-the-admin-saves-them"),
        pytest.param(lambda user, group: group.user_set.remove(user), id="from-the-group-side"),
        pytest.param(lambda user, group: group.user_set.clear(), id="group-emptied"),
        pytest.param(lambda user, group: type(user).objects.get(pk=user.pk).groups.clear(), id="groups-cleared"),
    ],
)
async def test_every_way_of_removing_a_role_closes_the_sockets(withdraw):
    alex = await agent_named("alex@example.com")
    socket = await open_socket(alex, await signed_in_client(alex))

    await sync_to_async(withdraw)(alex, await sync_to_async(Group.objects.get)(name="support"))

    assert await closed_with(socket) == RECHECK


@pytest.mark.parametrize("flag", ["is_active", "is_staff", "is_superuser"])
async def test_clearing_a_role_flag_closes_the_users_sockets(flag):
    boss = await sync_to_async(UserFactory)(is_staff=True, is_superuser=True)
    socket = await open_socket(boss, await signed_in_client(boss))

    setattr(boss, flag, False)
    await sync_to_async(boss.save)()

    assert await closed_with(socket) == RECHECK


async def test_saving_a_user_without_taking_a_role_away_closes_nothing():
    alex = await agent_named("alex@example.com")
    client = await signed_in_client(alex)
    socket = await open_socket(alex, client)

    alex.first_name = "Alexandra"
    await sync_to_async(alex.save)()
    await sync_to_async(alex.groups.add)(await sync_to_async(Group.objects.create)(name="ops"))
    await sync_to_async(client.get)("/")  # a request (sign-ins save last_login; sessions are touched)

    assert await closed_with(socket) is None
    await socket.disconnect()


def layer_subscriptions() -> set[str]:
    """The channel layer's Redis pub/sub channels of this run (not the hub's `<prefix>:live:<topic>`)."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    names = {name.decode() for name in client.pubsub_channels(f"{prefix}*")}
    client.close()
    return {name for name in names if not name.startswith(f"{prefix}:live:")}


async def test_a_guests_socket_takes_no_channel_layer_subscription_a_members_takes_three():
    """Most sockets are guests': nothing to sign out of or lose, so no channel of their own."""
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    await sync_to_async(store.create)()
    before = await sync_to_async(layer_subscriptions)()
    binding = topics.binding_for(user_pk=None, session_key=store.session_key)
    token = signing.dumps({"t": [], "b": binding}, salt=topics.SALT, compress=True)
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    headers.append((b"cookie", f"sessionid={store.session_key}".encode()))
    guest = WebsocketCommunicator(application, f"/ws/live/?t={token}", headers=headers)
    assert (await guest.connect(timeout=5))[0]

    assert await sync_to_async(layer_subscriptions)() == before

    sam = await sync_to_async(UserFactory)()
    member = await open_socket(sam, await signed_in_client(sam))
    added = await sync_to_async(layer_subscriptions)() - before
    assert len(added) == 3  # its own channel, its user's group, its session's group
    await member.disconnect()
    await guest.disconnect()
