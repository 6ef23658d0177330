"""Run localstripe (a fake Stripe for development and tests) keeping its data in memory only.

`python -m commerce.payments.fake_stripe --port 8420`. localstripe itself pickles its whole
store to /tmp/localstripe.pickle after every write, a file every instance on the machine
shares; here it neither reads nor writes it, so a test run and `make run` never mix.
"""

import sys
from pathlib import Path
from typing import Any


def _scoped_stripe_js(server: Any) -> Any:
    """Serve localstripe's Stripe.js stand-in inside a function scope.

    The original declares `class Element` at the top level of a classic script, which
    shadows the DOM's `Element` for every script on the page: htmx's `instanceof Element`
    checks then fail and htmx stops processing the pay page (no live socket). Real Stripe.js
    leaks nothing; wrapped, only `window.Stripe` escapes.
    """
    from aiohttp import web

    source = (Path(server.__file__).parent / "localstripe-v3.js").read_text()
    wrapped = "(function () {\n" + source + "\nwindow.Stripe = Stripe;\n})();\n"

    @web.middleware
    async def middleware(request: Any, handler: Any) -> Any:
        if request.path == "/js.stripe.com/v3/":
            return web.Response(text=wrapped, content_type="application/javascript")
        return await handler(request)

    return middleware


def main() -> None:
    from localstripe import resources, server

    resources.Store.dump_to_disk = lambda self: None  # memory only; see the module docstring
    server.app.middlewares.insert(0, _scoped_stripe_js(server))
    if "--from-scratch" not in sys.argv:
        sys.argv.append("--from-scratch")
    server.start()


if __name__ == "__main__":
    main()
