"""The web tests' fixtures (a signed-in centre, the demo county), for the upload round trips."""

from tests.web.conftest import _fresh_page_cache, client, county, signed_in  # noqa: F401
