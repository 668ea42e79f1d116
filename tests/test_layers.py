"""The layout is the data flow: no module imports a later stage or a shell (walks every import).

vocab → settings/sqlitedb → schemas.document, llm → ingest → structure → chunks → schemas.record →
extract → pipeline → outputs → corpus, queue → shells (batch, api) → queue.run/dispatch, evals →
cli. A module may import its own layer and earlier ones only; the shells do not import each other; `outputs` holds pure
renderers (terminal views live in `cli`).
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOTS = {"service": "zhenggai", "schemas": "zhenggai.schemas", "evals": "zhenggai.evals", "prompts": "zhenggai.prompts"}

# (prefix, rank): the longest matching prefix names a module's layer
LAYERS: list[tuple[str, int]] = [
    ("zhenggai.vocab", 0),
    ("zhenggai", 0),  # the package itself: __version__
    ("zhenggai.prompts", 0),
    ("zhenggai.settings", 1),
    ("zhenggai.sqlitedb", 1),
    ("zhenggai.schemas.document", 2),
    ("zhenggai.llm", 2),
    ("zhenggai.ingest", 3),
    ("zhenggai.structure", 4),
    ("zhenggai.chunks", 5),
    ("zhenggai.schemas", 6),  # the output contract (record) and its JSON Schema export
    ("zhenggai.extract", 7),
    ("zhenggai.pipeline", 8),
    ("zhenggai.outputs", 9),
    ("zhenggai.corpus", 10),
    ("zhenggai.queue", 10),  # the queue worker and notifications: the API shell runs one embedded
    ("zhenggai.batch", 11),
    ("zhenggai.api", 11),
    ("zhenggai.queue.run", 12),  # `zhenggai worker` and the folder dispatch compose the shells
    ("zhenggai.queue.dispatch", 12),
    ("zhenggai.evals", 12),
    ("zhenggai.cli", 13),
]
SHELLS = ("zhenggai.batch", "zhenggai.api")


def _layer(module: str) -> tuple[str, int]:
    best = max((p for p in LAYERS if module == p[0] or module.startswith(p[0] + ".")), key=lambda p: len(p[0]))
    return best


def _modules() -> dict[str, Path]:
    out = {}
    for folder, package in ROOTS.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            out[name] = path
    return out


def _imports(path: Path) -> set[str]:
    """Every zhenggai module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("zhenggai"):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("zhenggai")}
    return found


def test_no_module_imports_a_later_stage_or_a_shell():
    wrong = []
    for module, path in sorted(_modules().items()):
        (own, rank) = _layer(module)
        for target in sorted(_imports(path)):
            (theirs, their_rank) = _layer(target)
            if their_rank > rank or (theirs in SHELLS and own in SHELLS and theirs != own):
                wrong.append(f"{module} ({own}) imports {target} ({theirs})")
    assert wrong == []


def test_the_vocabulary_imports_nothing_of_zhenggai():
    for module, path in _modules().items():
        if module.startswith("zhenggai.vocab"):
            assert {t for t in _imports(path) if not t.startswith("zhenggai.vocab")} == set(), module


def test_every_package_is_installed():
    """A package left out of pyproject's list works in an editable install and is missing from a wheel."""
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {m for m, p in _modules().items() if p.name == "__init__.py"}
    assert packages - listed == set()


def test_the_walk_sees_every_stage():
    """The test cannot pass by finding nothing: the stages and their known imports are there."""
    modules = _modules()
    assert {"zhenggai.pipeline", "zhenggai.extract.judge", "zhenggai.api.routes", "zhenggai.cli"} <= set(modules)
    assert "zhenggai.extract.judge" in _imports(modules["zhenggai.pipeline"])
    assert _layer("zhenggai.schemas.document")[1] < _layer("zhenggai.schemas.record")[1]


def test_the_embedded_default_needs_no_postgres_packages() -> None:
    """`pip install -e '.[local]'` (the README's main job) has no psycopg, Alembic or SQLAlchemy:
    the CLI and a SQLite service must import and start without them."""
    import subprocess
    import sys

    code = (
        "import sys, tempfile\n"
        "for m in ('psycopg', 'psycopg_pool', 'alembic', 'sqlalchemy'): sys.modules[m] = None\n"
        "import zhenggai.cli, zhenggai.batch, zhenggai.queue.run\n"
        "from zhenggai.api.app import create_app\n"
        "from zhenggai.settings import Settings\n"
        "create_app(Settings(_env_file=None, api_db=tempfile.mkdtemp() + '/jobs.sqlite', api_keys='t:' + 'k' * 32))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
