"""The pydantic contracts between stages and the output record (JSON Schema files beside them)."""
