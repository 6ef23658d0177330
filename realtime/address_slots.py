"""Open live sockets per client address, in this process: at most REALTIME_MAX_SOCKETS_PER_ADDRESS each.

One client must not be able to hold a process's sockets (and the memory each costs) on its own.
The count is per server process, kept on its event loop: exact, nothing to expire when a process
dies, and no Redis round trip per connect. Behind a load balancer spreading sockets over N
processes, one address may so hold up to N times the limit in all.
"""

import asyncio
from collections import Counter

from django.conf import settings


class AddressSlots:
    def __init__(self) -> None:
        self._open: Counter[str] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None

    def take(self, address: str) -> bool:
        """Count one more open socket for `address`; False (and nothing counted) past the limit."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new loop (tests run one per test): its sockets are all new
            self._open, self._loop = Counter(), loop
        if self._open[address] >= settings.REALTIME_MAX_SOCKETS_PER_ADDRESS:
            return False
        self._open[address] += 1
        return True

    def release(self, address: str) -> None:
        """Give back a slot `take` granted (once per granted slot)."""
        if self._open[address] <= 1:
            self._open.pop(address, None)
        else:
            self._open[address] -= 1


address_slots = AddressSlots()
