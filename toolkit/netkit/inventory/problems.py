"""Collect every problem of an inventory (not the first only), each naming the file, host or group, and key."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
SECRET_KEYS = re.compile(r"password|secret|_key\b|community", re.IGNORECASE)


def _known_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys the model at `loc` (the cleaned location of an unknown key) accepts, for suggestions."""
    current: Any = model
    for part in loc[:-1]:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) in (list, tuple, dict):
            current = (get_args(current) or (Any,))[-1]
        else:
            return []
    current = _unwrap(current)
    if get_origin(current) in (typing.Union, types.UnionType):
        current = next((a for a in get_args(current) if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return sorted(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


_SCHEMA_TAG = re.compile(r"^[a-z][a-z-]*\[.*\]$|^(int|float|str|bool|none|bytes|datetime|date|time)$")


def _unwrap(annotation: Any) -> Any:
    """The type under Annotated[...] and Optional[...] (X | None)."""
    while True:
        if get_origin(annotation) is typing.Annotated:
            annotation = get_args(annotation)[0]
            continue
        if get_origin(annotation) in (typing.Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation


def clean_loc(model: type[BaseModel], loc: tuple[int | str, ...], *, keep_last: bool = False) -> tuple[int | str, ...]:
    """`loc` without pydantic's internal schema steps (`lax-or-strict[...]`, `literal['null0']`, `int` ...),
    which name how pydantic tried a union's members, not anything the author wrote. Only the keys of
    models, the items of lists and the keys of dicts are kept."""
    kept: list[int | str] = []
    current: Any = model
    for position, part in enumerate(loc):
        current = _unwrap(current)
        last = position == len(loc) - 1
        if isinstance(current, type) and issubclass(current, BaseModel):
            if isinstance(part, str) and part in current.model_fields:
                kept.append(part)
                current = current.model_fields[part].annotation
            elif last and keep_last:
                kept.append(part)
            continue
        origin = get_origin(current)
        if origin in (list, tuple, set, frozenset) and isinstance(part, int):
            kept.append(part)
            current = (get_args(current) or (Any,))[0]
        elif origin is dict:
            kept.append(part)
            current = (get_args(current) or (Any, Any))[-1]
        elif origin in (typing.Union, types.UnionType):  # a step into one member of a union
            current = next((a for a in get_args(current) if isinstance(a, type) and issubclass(a, BaseModel)), Any)
        elif current is Any and (isinstance(part, int) or not _SCHEMA_TAG.match(part)):
            kept.append(part)
    return tuple(kept)


def _message(err: Any) -> str:
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


class Problems:
    """Collects messages; a message is kept once (hosts sharing a group would repeat it)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._seen: set[str] = set()
        self._validated: dict[tuple[type[BaseModel], int], BaseModel | None] = {}

    def add(self, where: str, message: str) -> None:
        line = f"{where}: {message}"
        if line not in self._seen:
            self._seen.add(line)
            self.items.append(line)

    def extend(self, lines: list[str]) -> None:
        for line in lines:
            if line not in self._seen:
                self._seen.add(line)
                self.items.append(line)

    def validate(self, model: type[M], data: Any, where: str, key: str, *, shared: bool = False) -> M | None:
        """`data` validated as `model`, or None with its problems recorded.

        shared=True: `data` is a group's value that many hosts hold (the same object); it is
        validated once and the result reused (the caller keeps `data` alive, so its id is stable).
        """
        if shared:
            memo_key = (model, id(data))
            if memo_key in self._validated:
                return self._validated[memo_key]  # type: ignore[return-value]
            result = self.validate(model, data, where, key)
            self._validated[memo_key] = result
            return result
        if data is None:
            self.add(where, f"{key} is missing")
            return None
        try:
            return model.model_validate(data)
        except ValidationError as e:
            # The members of a union each report their own error at the same place: one message per place.
            merged: dict[str, tuple[list[str], str]] = {}
            for err in e.errors():
                extra = err["type"] == "extra_forbidden"
                cleaned = clean_loc(model, err["loc"], keep_last=extra)
                loc = ".".join(str(p) for p in (key, *cleaned))
                if extra:
                    known = _known_keys(model, cleaned)
                    close = difflib.get_close_matches(str(cleaned[-1]), known, n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    self.add(where, f"{loc}: unknown key ({hint}known keys: {', '.join(known)})")
                    continue
                got = "" if err["type"] in ("missing", "model_type") or isinstance(err["input"], (dict, list)) \
                    else f" (got {err['input']!r})"
                if SECRET_KEYS.search(loc) or SECRET_KEYS.search(".".join(map(str, err["loc"]))):
                    got = ""  # never echo a secret into a terminal or a CI log
                messages, _ = merged.setdefault(loc, ([], got))
                if _message(err) not in messages:
                    messages.append(_message(err))
            for loc, (messages, got) in merged.items():
                self.add(where, f"{loc}: {', or '.join(messages)}{got}")
            return None
