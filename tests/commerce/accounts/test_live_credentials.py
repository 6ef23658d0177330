"""A new password, or a deleted account, closes the other sessions' live sockets, and they stay out."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import signing
from django.test import Client

from project.asgi import application
from realtime import topics
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.timeout(60)]


@sync_to_async
def signed_in_client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def page_socket(user, client: Client) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    token = signing.dumps({"t": [f"user.{user.pk}"], "b": f"u:{user.pk}"}, salt=topics.SALT, compress=True)
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    return WebsocketCommunicator(application, f"/ws/live/?t={token}", headers=headers)


async def open_socket(user, client: Client) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    comm = page_socket(user, client)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    while not await comm.receive_nothing(timeout=0.2):  # snapshots
        await comm.receive_output(timeout=1)
    return comm


async def closed(comm: WebsocketCommunicator) -> bool:
    if await comm.receive_nothing(timeout=2):
        return False
    return (await comm.receive_output(timeout=1))["type"] == "websocket.close"


async def test_a_new_password_closes_the_other_sessions_sockets_and_they_cannot_rejoin():
    sam = await sync_to_async(UserFactory)(email="sam@example.com", password="old-pass-phrase-1")
    laptop, phone = await signed_in_client(sam), await signed_in_client(sam)
    on_phone = await open_socket(sam, phone)

    response = await sync_to_async(laptop.post)(
        "/accounts/password/change/",
        {
            "old_password": "old-pass-phrase-1",
            "new_password1": "new-pass-phrase-2",
            "new_password2": "new-pass-phrase-2",
        },
    )

    assert response.status_code == 302
    assert await closed(on_phone)
    connected, _ = await page_socket(sam, phone).connect(timeout=5)
    assert not connected  # the phone's session no longer signs in
    again = await open_socket(sam, laptop)  # this session stays signed in
    await again.disconnect()


async def test_deleting_the_account_closes_its_sockets():
    sam = await sync_to_async(UserFactory)(email="sam@example.com", password="old-pass-phrase-1")
    laptop, phone = await signed_in_client(sam), await signed_in_client(sam)
    here, on_phone = await open_socket(sam, laptop), await open_socket(sam, phone)

    response = await sync_to_async(laptop.post)("/accounts/delete/", {"password": "old-pass-phrase-1"})

    assert response.status_code == 302
    assert await closed(here)
    assert await closed(on_phone)
