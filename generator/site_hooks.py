"""MkDocs hooks for the preview site (named in mkdocs.yml)."""

from __future__ import annotations

from typing import Any


def on_env(env: Any, config: Any, files: Any) -> Any:
    """The theme's templates take longer to compile than the rest of a rebuild: cache them."""
    from generator.render import bytecode_cache

    env.bytecode_cache = bytecode_cache("mkdocs-theme")
    return env
