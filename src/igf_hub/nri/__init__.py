"""National, Sub-regional, Regional and Youth IGF initiatives (NRIs)."""

from igf_hub.nri.controllers import NriController, NriExportController
from igf_hub.nri.report_controllers import NriReportController, OverdueReportController

__all__ = ["NriController", "NriExportController", "NriReportController", "OverdueReportController"]
