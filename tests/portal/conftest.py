"""Shared set-up for the operations core's tests: the ticket fixtures, for mail they send."""

from tests.tickets.conftest import (  # noqa: F401 - fixtures shared with the ticket tests
    frozen_monday,
    open_ticket,
    premium_customer,
    releases,
    us_engineer,
)
