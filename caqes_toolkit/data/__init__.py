"""Data: the input tables, read from CSV, XLSX or ODS, validated with located faults, as a typed Dataset."""
