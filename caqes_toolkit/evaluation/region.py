"""A region's evaluation: its data loaded, validated and scored once, cached on the files' content.

Reports, syntheses and the national overview all start here, so that a batch worker making many
documents of one region pays the loading and the scoring once, with results identical to a
fresh run (the cache key is the content of the files, not their names or dates).
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache
from pathlib import Path

from ..data.dataset import Dataset, SourceFile
from ..data.load import load_dataset
from ..data.names import input_files
from ..errors import CaqesError
from ..rules.campaign import Campaign, load_campaign
from .scores import Scores
from .scoring import score

__all__ = ["campaign_source", "evaluate_region", "file_key", "load_region", "regions", "select_region"]


def file_key(path: Path) -> str:
    """Content key of a data source or a campaign file, for caching: the names and bytes of the
    files the loader reads (:func:`~caqes_toolkit.data.names.input_files`)."""
    files = input_files(path)
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode())
        digest.update(hashlib.sha256(f.read_bytes()).digest())
    return digest.hexdigest()


@lru_cache(maxsize=4)
def _load(data_path: str, campaign_path: str, key: str) -> tuple[Dataset, Campaign]:
    campaign = load_campaign(campaign_path)
    return load_dataset(data_path, campaign), campaign


@lru_cache(maxsize=4)
def _evaluate(data_path: str, campaign_path: str, key: str, phase: int = 2,
              annee: int | None = None) -> tuple[Dataset, Campaign, Scores]:
    dataset, campaign = _load(data_path, campaign_path, key)
    if phase == 1:  # the evaluated year is provisional, the years before it on the same indicators
        years = [y for y in dataset.years if annee is None or y <= annee]
        return dataset, campaign, score(dataset, campaign, years, phase=1)
    return dataset, campaign, score(dataset, campaign)


def _paths(donnees: str | Path, campagne: str | Path) -> tuple[str, str, str]:
    data_path, campaign_path = Path(donnees).resolve(), Path(campagne).resolve()
    return str(data_path), str(campaign_path), file_key(data_path) + file_key(campaign_path)


def load_region(donnees: str | Path, campagne: str | Path) -> tuple[Dataset, Campaign]:
    """Load and validate the data under its campaign (cached on the content of the files)."""
    return _load(*_paths(donnees, campagne))


def evaluate_region(donnees: str | Path, campagne: str | Path, phase: int = 2,
                    annee: int | None = None) -> tuple[Dataset, Campaign, Scores]:
    """Load, validate and score the data (cached on the content of the files).
    ``phase`` 1 scores year ``annee`` provisionally (see :func:`caqes_toolkit.evaluation.scoring.score`)."""
    return _evaluate(*_paths(donnees, campagne), phase, annee if phase == 1 else None)


def regions(dataset: Dataset) -> list[str]:
    """The regions the data covers, in alphabetical order (« Île-de-France » among the I)."""
    return sorted((str(r) for r in dataset.establishments["region"].unique()), key=_alphabetical)


def select_region(dataset: Dataset, region: str = "") -> str:
    """``region`` if the data cover it; without one, the data's only region; otherwise a French error."""
    covered = regions(dataset)
    region = region or (covered[0] if len(covered) == 1 else "")
    if region not in covered:
        raise CaqesError(f"région à préciser parmi : {', '.join(covered)}" if not region else
                         f"région {region!r} absente des données ; régions présentes : {', '.join(covered)}")
    return region


def _alphabetical(text: str) -> tuple[str, str]:
    """Sort key of a French name: letters without their accents, case ignored."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return bare.casefold(), text


def campaign_source(campaign: Campaign) -> SourceFile:
    """The campaign file as a source of a document (name, path, SHA-256)."""
    return SourceFile(Path(str(campaign.path)).name, str(campaign.path), str(campaign.sha256))
