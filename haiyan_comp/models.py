"""Every model, imported once so that Alembic and the app see the whole schema."""

from haiyan_comp.audit.models import AuditBatch, PopulationRecord, Verdict, VerdictChange
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.records.models import RecordImport, ServiceRecord, UnitTotal
from haiyan_comp.years.models import Year

__all__ = [
    "Institution",
    "RecordImport",
    "ServiceItem",
    "ServiceRecord",
    "Staff",
    "UnitTotal",
    "Year",
]
