"""caqes-toolkit: CAQES evaluation of health establishments, one reproducible report each.

The public API is small; everything else lives in one module per concern
in layered folders: rules, data, evaluation, documents, run, and the command line on top.
Names are imported on first use, so that a worker or the command line loads only what it needs.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Simulation": "evaluation.analysis", "priorities": "evaluation.analysis",
    "regional_distribution": "evaluation.analysis", "simulate": "evaluation.analysis", "summary": "evaluation.analysis",
    "Campaign": "rules.campaign", "Indicator": "rules.objectives", "load_campaign": "rules.campaign",
    "Dataset": "data.dataset",
    "CaqesError": "errors", "CampaignError": "errors", "DataError": "errors", "Fault": "errors",
    "load_dataset": "data.load",
    "Scores": "evaluation.scores", "score": "evaluation.scoring", "score_by_year": "evaluation.scoring",
    "validate": "data.validation",
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


def __getattr__(name: str) -> Any:
    if name == "__version__":  # importlib.metadata takes a fifth of the command line's start-up
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("caqes-toolkit")
        except PackageNotFoundError:  # running from a source tree that is not installed
            return "0+unknown"
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from .data.dataset import Dataset
    from .data.load import load_dataset
    from .data.validation import validate
    from .errors import CampaignError, CaqesError, DataError, Fault
    from .evaluation.analysis import Simulation, priorities, regional_distribution, simulate, summary
    from .evaluation.scores import Scores
    from .evaluation.scoring import score, score_by_year
    from .rules.campaign import Campaign, load_campaign
    from .rules.objectives import Indicator
