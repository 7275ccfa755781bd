"""Every model, imported once so that Alembic and the app see the whole schema."""

from haiyan_comp.accounts.models import ApiToken, User, WebSession
from haiyan_comp.audit.models import (
    AuditBatch,
    PopulationRecord,
    PopulationStaff,
    Verdict,
    VerdictChange,
)
from haiyan_comp.bonus.models import Assessment, Indicator, IndicatorScore
from haiyan_comp.budget.models import (
    Baseline,
    ConfigChange,
    Instalment,
    PrepaymentPlan,
    PrepaymentTotal,
    YearConfig,
)
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.jobs.models import Job, JobFile, ScheduleRun
from haiyan_comp.ledger.models import LedgerEntry, Posting
from haiyan_comp.records.models import RecordImport, ServiceRecord, StaffTotal, UnitTotal
from haiyan_comp.settlement.models import Settlement, YearSettlement
from haiyan_comp.years.models import Year

__all__ = [
    "ApiToken",
    "Assessment",
    "AuditBatch",
    "Baseline",
    "ConfigChange",
    "Indicator",
    "IndicatorScore",
    "Instalment",
    "Institution",
    "Job",
    "JobFile",
    "LedgerEntry",
    "PopulationRecord",
    "PopulationStaff",
    "Posting",
    "PrepaymentPlan",
    "PrepaymentTotal",
    "RecordImport",
    "ScheduleRun",
    "ServiceItem",
    "ServiceRecord",
    "Settlement",
    "Staff",
    "StaffTotal",
    "UnitTotal",
    "User",
    "Verdict",
    "VerdictChange",
    "WebSession",
    "Year",
    "YearConfig",
    "YearSettlement",
]
