"""docs/realtime.md's tables, written from events/protocol.py: `python manage.py protocol_doc
--write` puts them between the document's markers, and tests/events/test_protocol.py fails while
the document says something else."""

import re
from pathlib import Path

from events import protocol
from events.protocol_types import Field

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "realtime.md"
MARKER = re.compile(
    r"(<!-- protocol:(?P<name>[a-z_]+) \(generated from events/protocol\.py\) -->\n)"
    r".*?"
    r"(<!-- /protocol:(?P=name) -->)",
    re.DOTALL,
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fields(fields: tuple[Field, ...]) -> str:
    if not fields:
        return "—"
    shown = []
    for f in fields:
        optional = ", optional" if f.optional else ""
        meaning = f": {f.doc}" if f.doc else ""
        shown.append(f"`{f.name}` ({f.kind.text}{optional}){meaning}")
    return "; ".join(shown)


def _field_table(fields: tuple[Field, ...]) -> list[str]:
    rows = ["| field | type | meaning |", "| --- | --- | --- |"]
    for f in fields:
        optional = " (optional)" if f.optional else ""
        rows.append(f"| `{f.name}` | {_cell(f.kind.text)}{optional} | {_cell(f.doc)} |")
    return rows


def _messages(messages, last: str) -> list[str]:
    rows = [f"| type | fields | {last} |", "| --- | --- | --- |"]
    for m in messages:
        rows.append(f"| `{m.type}` | {_cell(_fields(m.fields))} | {_cell(m.doc)} |")
    return rows


def sections() -> dict[str, str]:
    """The generated text of each marked section of the document, by name."""
    objects = []
    for kind in protocol.OBJECTS:
        objects += [f"**{kind.text}**: {kind.doc}", "", *_field_table(kind.fields), ""]
    client = ["| type | fields | who |", "| --- | --- | --- |"]
    for c in protocol.CLIENT_MESSAGES.values():
        client.append(f"| `{c.type}` | {_cell(_fields(c.fields))} | {_cell(c.who)} |")
    errors = ["| error code | meaning |", "| --- | --- |"]
    errors += [f"| `{code}` | {_cell(meaning)} |" for code, meaning in protocol.ERROR_CODES.items()]
    found = {
        "state": [protocol.STATE.doc, "", *_field_table(protocol.STATE.fields)],
        "objects": objects[:-1],
        "changes": _messages(protocol.CHANGES, "apply"),
        "unnumbered": _messages(protocol.UNNUMBERED, "apply"),
        "replies": _messages(protocol.REPLIES, "when"),
        "errors": errors,
        "client": client,
    }
    return {name: "\n".join(lines) + "\n" for name, lines in found.items()}


def rendered(document: str) -> str:
    """`document` with every marked section replaced by its generated text."""
    generated = sections()

    def replace(match: re.Match) -> str:
        name = match["name"]
        if name not in generated:
            raise KeyError(f"docs/realtime.md marks a section protocol_doc does not know: {name}")
        return f"{match[1]}{generated[name]}{match[3]}"

    return MARKER.sub(replace, document)


def marked(document: str) -> set[str]:
    return {match["name"] for match in MARKER.finditer(document)}
