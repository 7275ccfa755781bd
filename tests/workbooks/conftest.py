"""The web tests' browser, demo county and page-cache fixtures, for the workbook downloads."""

from tests.web.conftest import _fresh_page_cache, client, county, signed_in  # noqa: F401
