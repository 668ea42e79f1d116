"""Metadata of a report read from its title, opening and signature (see `reader`), with a model
fallback for the fields the patterns leave empty (see `fallback`)."""

from zhenggai.extract.meta.reader import opening_region, read_meta, report_meta

__all__ = ["opening_region", "read_meta", "report_meta"]
