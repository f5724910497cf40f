"""Documents: what people read (reports, syntheses, action plans, method, grids), charts and French formats."""
