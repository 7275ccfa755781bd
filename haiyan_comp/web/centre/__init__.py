"""The township centre's pages: its units, records, uploads, deductions, documents, bonus.

Every page shows the signed-in centre's own institution only; objects found by
id are checked to be its own (404 otherwise). One module per page or family of
pages, all on the one blueprint of `common`.
"""

from __future__ import annotations

# Each module adds its pages to the one blueprint.
from haiyan_comp.web.centre import (  # noqa: F401
    bonus,
    deductions,
    home,
    imports,
    money,
    records,
    years,
)
from haiyan_comp.web.centre.common import bp
from haiyan_comp.web.centre.home import percent

__all__ = ["bp", "percent"]
