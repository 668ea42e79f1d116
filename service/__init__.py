"""zhenggai: structured, traceable summaries of inspection-rectification reports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("zhenggai")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
