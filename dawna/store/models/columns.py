"""Column types shared by the models."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_type(cls: type[enum.Enum], name: str) -> Enum:
    """A Python enum stored as its values in a VARCHAR(32) with a check, not a native enum."""
    return Enum(cls, name=name, native_enum=False, length=32, validate_strings=True,
                values_callable=lambda e: [m.value for m in e])
