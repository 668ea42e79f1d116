"""The HTTP service: FastAPI over the same pipeline as the CLI (`zhenggai serve`)."""

from zhenggai.api.app import create_app

__all__ = ["create_app"]
