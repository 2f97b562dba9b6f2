"""Fictional demo data: a French département's DECP feeds and internal procedure export.

`generate_demo` lives in `orchestration.demo.generator`; it is re-exported lazily so that
`python -m orchestration.demo.generator` does not import the module twice.
"""

from __future__ import annotations

__all__ = ["generate_demo"]


def __getattr__(name: str):
    if name == "generate_demo":
        from .generator import generate_demo

        return generate_demo
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
