"""The benchmark's synthetic operations are valid content: `make bench` measures builds, and a
synthetic operation that no longer validates (a new kind of reference in the example) stops it
after minutes of preparation."""

from __future__ import annotations

import sys
from pathlib import Path

from generator.validate import load_and_validate
from tests.conftest import EXAMPLE, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic import make


def test_a_synthetic_operation_validates_and_grows_with_its_factor(tmp_path: Path) -> None:
    one = load_and_validate(EXAMPLE)
    three = load_and_validate(make(EXAMPLE, tmp_path / "content-3x", 3))
    assert three.errors == []
    assert len(three.index) > 2.5 * len(one.index)
