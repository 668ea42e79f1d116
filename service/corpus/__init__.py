"""The corpus view: many summary records in one DuckDB database, compared by category, place,
level and year, and drawn as one self-contained dashboard page."""
