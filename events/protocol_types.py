"""The types the realtime protocol's messages are described with (events/protocol.py), in the
manner of Zulip's data_types.py: each kind of value says what is wrong with a value
(`problems(value, where)`, nothing when it fits) and how the document names it (`text`)."""

from collections.abc import Iterator
from dataclasses import dataclass, field


class Kind:
    """A type of value: `text` names it in the document."""

    text: str

    def problems(self, value, where: str) -> Iterator[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class Scalar(Kind):
    text: str
    types: tuple[type, ...]

    def problems(self, value, where):
        if isinstance(value, bool) and bool not in self.types:
            yield f"{where} is a bool, not {self.text}"
        elif not isinstance(value, self.types):
            yield f"{where} is {type(value).__name__}, not {self.text}"


INT = Scalar("int", (int,))
NUMBER = Scalar("number", (int, float))
STRING = Scalar("string", (str,))
BOOL = Scalar("bool", (bool,))


@dataclass(frozen=True)
class Anything(Kind):
    text: str = "any JSON value"

    def problems(self, value, where):
        return iter(())


@dataclass(frozen=True)
class OneOf(Kind):
    """A string from a fixed list."""

    values: tuple[str, ...]
    name: str = ""  # how the document names it, when listing the values would not do

    @property
    def text(self) -> str:
        if self.name:
            return self.name
        shown = [f"`{v}`" if v else '`""`' for v in self.values]
        return f"{', '.join(shown[:-1])} or {shown[-1]}" if len(shown) > 1 else shown[0]

    def problems(self, value, where):
        if value not in self.values:
            yield f"{where} is {value!r}, not one of {list(self.values)}"


@dataclass(frozen=True)
class OrNull(Kind):
    kind: Kind

    @property
    def text(self) -> str:
        return f"{self.kind.text} or null"

    def problems(self, value, where):
        return iter(()) if value is None else self.kind.problems(value, where)


@dataclass(frozen=True)
class ListOf(Kind):
    kind: Kind

    @property
    def text(self) -> str:
        return f"list of {self.kind.text}"

    def problems(self, value, where):
        if not isinstance(value, list):
            yield f"{where} is {type(value).__name__}, not a list"
            return
        for index, item in enumerate(value):
            yield from self.kind.problems(item, f"{where}[{index}]")


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    doc: str
    optional: bool = False  # may be left out


@dataclass(frozen=True)
class Object(Kind):
    """A JSON object with exactly these fields (the optional ones may be left out)."""

    text: str
    fields: tuple[Field, ...]
    doc: str = ""

    def problems(self, value, where):
        if not isinstance(value, dict):
            yield f"{where} is {type(value).__name__}, not an object ({self.text})"
            return
        known = {f.name for f in self.fields}
        for name in sorted(value.keys() - known):
            yield f"{where} has a field the protocol does not describe: {name!r}"
        for f in self.fields:
            if f.name in value:
                yield from f.kind.problems(value[f.name], f"{where}.{f.name}")
            elif not f.optional:
                yield f"{where} lacks {f.name!r}"


@dataclass(frozen=True)
class Message:
    type: str
    fields: tuple[Field, ...]
    doc: str  # what the message means, or how a client applies it
    numbered: bool = False  # a change: carries `seq` and `at`

    @property
    def shape(self) -> Object:
        numbering = (
            (
                Field("seq", INT, "this change's number"),
                Field("at", INT, "when it was made, in ms since the epoch"),
            )
            if self.numbered
            else ()
        )
        return Object(
            f"`{self.type}`", (Field("type", OneOf((self.type,)), ""), *numbering, *self.fields)
        )


@dataclass(frozen=True)
class Command:
    type: str
    fields: tuple[Field, ...]
    who: str
    host: bool = field(default=True)  # a host's command (events/commands.py)
