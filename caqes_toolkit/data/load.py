"""Loading the input data: read (:mod:`caqes_toolkit.data.read`), check and type
(:mod:`caqes_toolkit.data.validation`) into a :class:`~caqes_toolkit.data.dataset.Dataset`."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from ..rules.campaign import Campaign
from .dataset import Dataset
from .files import Prefetch
from .read import read_source
from .validation import check

__all__ = ["load_dataset", "read_source"]


def load_dataset(source: str | Path, campaign: Campaign, prefetched: Prefetch | None = None) -> Dataset:
    """Read, check and normalise the data; raise :class:`DataError` listing every fault
    if any is an error (warnings alone are kept in ``Dataset.warnings``). ``prefetched``: the
    folder's files as :func:`~caqes_toolkit.data.files.prefetch` started reading them."""
    raw = read_source(source, prefetched)
    checked = check(raw, campaign)
    if checked.tables is None:
        raise DataError(list(checked.faults))
    return Dataset(**checked.tables, sources=raw.sources, warnings=tuple(checked.faults))
