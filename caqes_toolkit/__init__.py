"""caqes-toolkit: CAQES evaluation of health establishments, one reproducible report each.

The public API is small; everything else lives in one module per concern
(campaign, load, validation, scoring, analysis, charts, report, render, batch, cli).
Names are imported on first use, so that a worker or the command line loads only what it needs.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("caqes-toolkit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

_EXPORTS = {
    "Simulation": "analysis", "priorities": "analysis", "regional_distribution": "analysis",
    "simulate": "analysis", "summary": "analysis",
    "Campaign": "campaign", "Indicator": "campaign", "load_campaign": "campaign",
    "Dataset": "dataset",
    "CaqesError": "errors", "CampaignError": "errors", "DataError": "errors", "Fault": "errors",
    "load_dataset": "load",
    "Scores": "scoring", "score": "scoring", "score_by_year": "scoring",
    "validate": "validation",
}

__all__ = [
    "Campaign",
    "CampaignError",
    "CaqesError",
    "DataError",
    "Dataset",
    "Fault",
    "Indicator",
    "Scores",
    "Simulation",
    "__version__",
    "load_campaign",
    "load_dataset",
    "priorities",
    "regional_distribution",
    "score",
    "score_by_year",
    "simulate",
    "summary",
    "validate",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from .analysis import Simulation, priorities, regional_distribution, simulate, summary
    from .campaign import Campaign, Indicator, load_campaign
    from .dataset import Dataset
    from .errors import CampaignError, CaqesError, DataError, Fault
    from .load import load_dataset
    from .scoring import Scores, score, score_by_year
    from .validation import validate
