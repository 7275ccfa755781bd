"""The web tests' browser and page-cache fixtures, for the API's workbook downloads."""

from tests.web.conftest import _fresh_page_cache, client  # noqa: F401
