"""A rich tree of how a report was read, so a user sees at a glance what the parser found."""

from __future__ import annotations

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from zhenggai.ingest.document import Document
from zhenggai.schemas.document import Chunk, Outline, Section

ROLE_STYLE = {
    "overview": "cyan",
    "details": "green",
    "leads_petitions": "magenta",
    "next_steps": "yellow",
    "other": "white",
}


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _add(tree: Tree, s: Section, parent_role: str = "") -> None:
    style = ROLE_STYLE.get(s.role.value, "white")
    label = Text.assemble(
        (f"{s.label} ", "bold"),
        (_short(s.title), style),
        (f"  [{s.span.start}:{s.span.end}]", "dim"),
    )
    if s.role.value != parent_role:
        label.append(f"  {s.role.value}", style=f"italic {style}")
    if s.enumerations:
        label.append(f"  {len(s.enumerations)} items", style="dim")
    if s.numbering_note in {"repeat", "skip", "restart"}:
        label.append(f"  ⚠ numbering {s.numbering_note}", style="bold red")
    branch = tree.add(label)
    for child in s.children:
        _add(branch, child, s.role.value)


def render_outline(doc: Document, outline: Outline, chunks: list[Chunk] | None = None) -> Group:
    head = Text.assemble(
        (outline.title or "(no title found)", "bold"),
        (f"\n{doc.source.path}  {doc.source.encoding}  {doc.source.media_type}  {len(doc.text):,} chars", "dim"),
    )
    tree = Tree(head)
    if outline.opening:
        tree.add(Text(f"opening  [{outline.opening.start}:{outline.opening.end}]", style="dim"))
    for s in outline.sections:
        _add(tree, s)
    if outline.closing:
        tree.add(Text(f"closing  [{outline.closing.start}:{outline.closing.end}]", style="dim"))
    parts: list = [tree]
    if outline.debris:
        table = Table(title="set aside (page debris)", show_edge=False, title_justify="left")
        table.add_column("kind")
        table.add_column("text")
        for d in outline.debris:
            table.add_row(d.kind.value, escape(_short(d.text, 70)))
        parts.append(table)
    if chunks is not None:
        total = sum(c.tokens for c in chunks)
        biggest = max((c.tokens for c in chunks), default=0)
        parts.append(Text(f"{len(chunks)} chunks, {total:,} tokens (max {biggest})"))
    for w in outline.warnings:
        parts.append(Text(f"⚠ {w.code}: {w.message}", style="yellow"))
    return Group(*parts)
