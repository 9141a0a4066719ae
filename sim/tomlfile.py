"""Reading TOML input files and turning pydantic errors into one clear message.

Every input file (scenario, experiment, targets, priors) goes through :func:`read_toml` and
:func:`validate`, so each mistake is reported the same way: file, field path, allowed values.

>>> from pydantic import BaseModel, Field
>>> class Demo(BaseModel):
...     days: int = Field(ge=1)
>>> try:
...     validate(Demo, {"days": 0}, "demo.toml", UserError)
... except UserError as e:
...     print(e)
demo.toml: field 'days': must be ≥ 1, got 0
>>> try:
...     validate(Demo, {"days": True}, "demo.toml", UserError)
... except UserError as e:
...     print(e)
demo.toml: field 'days': must be a whole number, got true
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import UserError

#: Input files larger than this are refused before reading (a scenario is a few kB).
MAX_BYTES = 2_000_000

_BOUNDS = {
    "greater_than_equal": "≥",
    "less_than_equal": "≤",
    "greater_than": ">",
    "less_than": "<",
}


def read_toml(path: str | Path, error: type[UserError] = UserError) -> dict:
    """Parse a TOML file; a missing, special, huge, unreadable or malformed file raises
    ``error`` with a message naming the file."""
    path = Path(path)
    try:
        if not path.exists():
            raise error(f"{path}: file not found")
        if path.is_dir():
            raise error(f"{path}: is a folder, not a TOML file")
        if not path.is_file():
            raise error(f"{path}: is not a regular file (a device or pipe?); give a TOML file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise error(
                f"{path}: {size:,} bytes is too large for an input file (at most {MAX_BYTES:,})"
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise error(f"{path}: cannot read: {reason}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path}: bad TOML syntax: {e}") from None
    except RecursionError:
        raise error(f"{path}: bad TOML: tables or lists are nested too deeply") from None


def _toml_repr(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def describe_error(err: Any) -> str:
    """One pydantic error as ``field 'a.b': what is wrong, got X``."""
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    ctx = err.get("ctx") or {}
    kind = err["type"]
    got = _toml_repr(err.get("input"))
    if kind == "extra_forbidden":
        return f"field {loc!r}: unknown key (check the spelling)"
    if kind in _BOUNDS:
        limit = next(iter(ctx.values())) if ctx else "?"
        return f"field {loc!r}: must be {_BOUNDS[kind]} {limit}, got {got}"
    if kind == "literal_error":
        return f"field {loc!r}: allowed values are {ctx.get('expected')}, got {got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"field {loc!r}: must be a whole number, got {got}"
    if kind in ("float_type", "float_parsing"):
        return f"field {loc!r}: must be a number, got {got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"field {loc!r}: must be true or false, got {got}"
    if kind == "value_error":
        msg = err["msg"].removeprefix("Value error, ")
        return f"field {loc!r}: {msg}" if err["loc"] else msg
    return f"field {loc!r}: {err['msg']}, got {got}"


def join(origin: str | Path, lines: list[str]) -> str:
    """``origin: line`` or ``origin:`` followed by one indented line per problem."""
    return f"{origin}: " + ("\n  " if len(lines) > 1 else "") + "\n  ".join(lines)


def validate[M: BaseModel](
    model: type[M],
    data: Any,
    origin: str | Path,
    error: type[UserError] = UserError,
    describe: Callable[[Any], str] = describe_error,
) -> M:
    """Validate ``data`` against ``model``; every problem goes into one ``error``.

    Numbers are never read from booleans (``days = true`` is an error, not 1) and booleans
    never from numbers.
    """
    try:
        obj = model.model_validate(data)
    except ValidationError as e:
        lines = _booleans_rejected_as_numbers(model, data) or [describe(x) for x in e.errors()]
        raise error(join(origin, lines)) from None
    except RecursionError:
        raise error(f"{origin}: tables or lists are nested too deeply") from None
    wrong = list(_booleans_read_as_numbers(data, obj, ()))
    if wrong:
        lines = [
            f"field {'.'.join(map(str, loc))!r}: must be {kind}, got {_toml_repr(v)}"
            for loc, v, kind in wrong
        ]
        raise error(join(origin, lines))
    return obj


def _bool_locations(data: Any, loc: tuple = ()) -> dict[tuple, bool]:
    if isinstance(data, bool):
        return {loc: data}
    found: dict[tuple, bool] = {}
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        found |= _bool_locations(value, (*loc, key))
    return found


def _as_text(data: Any) -> Any:
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, dict):
        return {k: _as_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_as_text(v) for v in data]
    return data


def _booleans_rejected_as_numbers(model: type[BaseModel], data: Any) -> list[str]:
    """For invalid ``data``: the booleans that stand where numbers belong. A boolean field
    accepts ``"true"``, a number field does not, so the booleans are validated as text."""
    where = _bool_locations(data)
    if not where:
        return []
    try:
        model.model_validate(_as_text(data))
    except ValidationError as e:
        return [
            f"field {'.'.join(map(str, err['loc']))!r}: must be "
            f"{'a whole number' if err['type'].startswith('int') else 'a number'}, "
            f"got {_toml_repr(where[tuple(err['loc'])])}"
            for err in e.errors()
            if tuple(err["loc"]) in where and err["type"] in ("int_parsing", "float_parsing")
        ]
    return []


def _child(obj: Any, key: Any) -> Any:
    try:
        if isinstance(obj, BaseModel):
            return getattr(obj, key)
        return obj[key]
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def _booleans_read_as_numbers(data: Any, obj: Any, loc: tuple):
    """Where the input has ``true``/``false`` but the validated value is a number."""
    if isinstance(data, bool):
        if obj is not None and not isinstance(obj, bool) and isinstance(obj, int | float):
            yield loc, data, "a whole number" if isinstance(obj, int) else "a number"
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _booleans_read_as_numbers(value, _child(obj, key), (*loc, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _booleans_read_as_numbers(value, _child(obj, i), (*loc, i))
