"""Where the tool's own files are: templates, the Word reference document and the site settings.

In a checkout (and an editable install) they are the repository's top-level ``templates/`` and
``mkdocs.yml``, which drafters and layout teams edit. A wheel carries the same files under
``generator/_data/`` (pyproject.toml's force-include), so that ``pip install .`` followed by
``protdocs build`` from any folder finds them.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_BUNDLED = PACKAGE / "_data"
ROOT = _BUNDLED if _BUNDLED.is_dir() else PACKAGE.parent

TEMPLATES = ROOT / "templates"
REFERENCE_DOC = TEMPLATES / "reference.docx"
MKDOCS_YML = ROOT / "mkdocs.yml"
SITE_HOOKS = PACKAGE / "site_hooks.py"
# The dependency set the tool was tested and released with; a release manifest names its hash.
LOCK = ROOT / "uv.lock"
