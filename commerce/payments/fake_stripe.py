"""Run localstripe (a fake Stripe for development and tests) keeping its data in memory only.

`python -m commerce.payments.fake_stripe --port 8420`. localstripe itself pickles its whole
store to /tmp/localstripe.pickle after every write, a file every instance on the machine
shares; here it neither reads nor writes it, so a test run and `make run` never mix.
"""

import sys


def main() -> None:
    from localstripe import resources, server

    resources.Store.dump_to_disk = lambda self: None  # memory only; see the module docstring
    if "--from-scratch" not in sys.argv:
        sys.argv.append("--from-scratch")
    server.start()


if __name__ == "__main__":
    main()
