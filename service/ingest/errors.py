"""Typed ingestion errors: each says what is wrong with the input and where."""

from __future__ import annotations


class IngestError(ValueError):
    """The input cannot be read as a report. `reason` is a short machine-readable code."""

    reason = "unreadable"

    def __init__(self, message: str, *, source: str = "") -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class EmptyDocumentError(IngestError):
    reason = "empty"


class BinaryInputError(IngestError):
    reason = "binary"


class DecodingError(IngestError):
    reason = "decoding"


class UnsupportedMediaError(IngestError):
    reason = "unsupported_media"


class TooLargeError(IngestError):
    reason = "too_large"
