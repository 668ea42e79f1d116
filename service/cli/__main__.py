"""`python -m zhenggai.cli`: the same commands as the `zhenggai` script."""

from zhenggai.cli import app

app()
