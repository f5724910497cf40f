"""Run: executing the notebooks, rendering HTML and PDF, report batches (local pool or Dask)."""
