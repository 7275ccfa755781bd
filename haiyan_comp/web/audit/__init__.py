"""The auditor's pages (R5–R8): batches, flags, drawing a sample, verdicts, closing, findings.

Auditors draw, judge and close; finance may read batches, flags and findings
but never records a verdict (segregation of duties, CONTRACT.md). Every change
calls the same operation as `haiyan audit …`, so a refused draw or verdict
leaves nothing behind. One module per family of pages, on the blueprint of
`common`.
"""

from __future__ import annotations

# Each module adds its pages to the one blueprint.
from haiyan_comp.web.audit import batches, tables  # noqa: F401
from haiyan_comp.web.audit.common import bp
from haiyan_comp.web.audit.tables import flag_detail

__all__ = ["bp", "flag_detail"]
