"""MkDocs hooks for the preview site (named in mkdocs.yml)."""

from __future__ import annotations

from typing import Any

from mkdocs.plugins import event_priority


@event_priority(100)  # before the search plugin's on_config, which renders a theme template
def on_config(config: Any) -> Any:
    """The theme's templates take longer to compile than the rest of a rebuild: every Jinja
    environment the theme makes (MkDocs' own, and the two that mkdocs-material's search plugin
    makes to translate its labels) keeps them compiled between builds."""
    from generator.render import bytecode_cache

    theme = config.theme
    if getattr(theme.get_env, "caches_templates", False):
        return config  # a configuration built again (``serve``): wrapped already
    make_environment = theme.get_env

    def get_env() -> Any:
        env = make_environment()
        env.bytecode_cache = bytecode_cache("mkdocs-theme")
        return env

    get_env.caches_templates = True  # type: ignore[attr-defined]
    theme.get_env = get_env
    return config
