"""caqes-toolkit: CAQES evaluation of health establishments, one reproducible report each.

The public API is small; everything else lives in one module per concern
(campaign, load, validate, scoring, analysis, charts, report, render, batch, cli).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("caqes-toolkit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

from .analysis import Simulation, priorities, regional_distribution, simulate, summary
from .campaign import Campaign, Indicator, load_campaign
from .dataset import Dataset
from .errors import CampaignError, CaqesError, DataError, Fault
from .load import load_dataset
from .scoring import Scores, score, score_by_year
from .validate import validate

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
