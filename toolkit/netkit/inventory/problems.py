"""Collect every problem of an inventory (not the first only), each naming the file, host or group, and key."""

from __future__ import annotations

import difflib
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
SECRET_KEYS = re.compile(r"password|secret|_key\b|community", re.IGNORECASE)


def _known_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys a nested model accepts at `loc` (the location of an unknown key), for suggestions."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        for arg in (annotation, *getattr(annotation, "__args__", ())):
            inner = (arg, *getattr(arg, "__args__", ()))
            found = next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)), None)
            if found is not None:
                current = found
                break
        else:
            return []
    return sorted(getattr(current, "model_fields", {}))


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
            for err in e.errors():
                loc = ".".join(str(p) for p in (key, *err["loc"]))
                if err["type"] == "extra_forbidden":
                    known = _known_keys(model, err["loc"])
                    close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    self.add(where, f"{loc}: unknown key ({hint}known keys: {', '.join(known)})")
                    continue
                got = f" (got {err['input']!r})" if err["type"] not in ("missing", "model_type") else ""
                if SECRET_KEYS.search(loc):
                    got = ""  # never echo a secret into a terminal or a CI log
                self.add(where, f"{loc}: {err['msg']}{got}")
            return None
