"""The web tests' demo county and clients, for the ledger page's tests."""

from tests.web.conftest import _fresh_page_cache, client, county  # noqa: F401
