"""Reading pypdf objects: indirect references followed, numbers, booleans, arrays."""

from __future__ import annotations

from typing import Any

from pypdf.generic import ArrayObject, IndirectObject


def resolve(obj: Any) -> Any:
    while isinstance(obj, IndirectObject):
        obj = obj.get_object()
    return obj


def num(x: Any) -> float:
    return float(x)


def boolean(x: Any) -> bool:
    """A PDF boolean (pypdf's BooleanObject is always truthy: read its value)."""
    x = resolve(x)
    return bool(getattr(x, "value", x))


def array(obj: Any) -> list[Any]:
    """A resolved PDF array as a list (empty when it is not one)."""
    value = resolve(obj)
    return list(value) if isinstance(value, ArrayObject | list) else []
