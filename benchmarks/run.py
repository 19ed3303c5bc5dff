"""The build benchmark: ``make bench``.

Measures whole-process runs of ``protdocs`` on synthetic operations at 1x, 10x and 30x the
example's size, as the median of several runs, and the reference: the external work a build
cannot avoid, done the way a user would without protdocs, one document after the other:
pandoc converting each Markdown file to Word, and to a PDF through Typst (pandoc's Typst writer
and template, then ``typst compile`` with the same fonts: see typst_compile.py), and one
``mkdocs build`` of the same pages. The same work is also run the fastest way this machine
allows (every core at once), which shows how much of the growth from 1x to 30x no build can
avoid. Prints a table and the targets (as ratios to the same run's reference, which the
machine's load affects as much as the build) and writes benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from synthetic import make

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
PROTDOCS = [str(BIN / "protdocs")]
EDITED_FILE, EDITED_FROM = "analysis.yaml", "Decades of political"


def timed(argv: list[str], **kwargs) -> tuple[float, int]:
    """Seconds and peak memory (KiB, largest process of the run) of one whole-process run."""
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
        "sys.stderr.write(r.stderr.decode()[-2000:]) if r.returncode else None\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(r.returncode)\n"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv], capture_output=True, text=True, **kwargs
    )
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return elapsed, int(done.stdout.strip().splitlines()[-1])


def summary(runs: list[tuple[float, int]]) -> dict[str, float]:
    """The median time and the largest peak of several runs of one measure."""
    return {
        "seconds": round(statistics.median(t for t, _ in runs), 3),
        "peak_mib": round(max(peak for _, peak in runs) / 1024, 1),
    }


def median_of(runs: int, argv: list[str], before=lambda: None) -> dict[str, float]:
    measured = []
    for _ in range(runs):
        before()
        measured.append(timed(argv))
    return summary(measured)


def reference_script(out: Path, work: Path, parallel: bool = False) -> list[str]:
    """Each Markdown output converted by pandoc to Word, and to Typst then PDF, then mkdocs
    build of the public pages: one after the other, or (``parallel``) the best this machine
    can do with that same work: mkdocs and the conversions all at once, as many documents at
    a time as there are cores, largest first.

    Works on a copy of the build's Markdown and charts in ``work``, so that cold builds can
    delete and remake the build folder between its runs."""
    import pypandoc

    from generator.writers.pdf import fonts

    source = work / "markdown"
    if not source.is_dir():
        for folder in ("public", "internal"):
            shutil.copytree(out / folder, source / folder)
    pandoc = pypandoc.get_pandoc_path()
    markdown = sorted(source.rglob("*.md"), key=lambda md: (-md.stat().st_size, md))
    compile_ = [sys.executable, str(HERE / "typst_compile.py")]
    compile_ += [arg for folder in fonts().folders for arg in ("--font-path", folder)]
    mkdocs = f"'{BIN / 'mkdocs'}' build -q -f '{_mkdocs_config(source, work)}'"
    if parallel:
        listing = work / "ref-markdown.txt"
        listing.write_text("".join(f"{md}\n" for md in markdown), encoding="utf-8")
        one = (
            f'"{pandoc}" "$0" -o "$0.docx" --resource-path="$(dirname "$0")" && '
            f'"{pandoc}" "$0" -t typst -s -o "$0.typ" && '
            f'{" ".join(compile_)} "$0.typ" "$0.pdf"'
        )
        script = (
            f"{mkdocs} & site=$!; xargs -P {os.cpu_count() or 1} -I@ sh -c '{one}' @"
            f" < '{listing}' && wait $site"
        )
    else:
        docx = [
            f"'{pandoc}' '{md}' -o '{work / 'ref.docx'}' --resource-path='{md.parent}'"
            for md in markdown
        ]
        typ = [f"'{pandoc}' '{md}' -t typst -s -o '{md}.typ'" for md in markdown]
        pdf = " ".join([*compile_, *(f"'{md}.typ' '{md}.pdf'" for md in markdown)])
        script = " && ".join([*docx, *typ, pdf, mkdocs])
    return ["bash", "-c", script]


def _mkdocs_config(source: Path, work: Path) -> Path:
    """MkDocs' settings for the public pages, copied beside them."""
    docs = work / "ref-docs"
    shutil.rmtree(docs, ignore_errors=True)
    docs.mkdir(parents=True)
    for md in (source / "public").rglob("*.md"):
        shutil.copy(md, docs / md.name)
    config = work / "ref-mkdocs.yml"
    config.write_text(
        f"site_name: Reference\ndocs_dir: {docs}\nsite_dir: {work / 'ref-site'}\n"
        "theme: {name: material, font: false}\nplugins: [search]\n"
        "markdown_extensions: [tables, toc, admonition]\n",
        encoding="utf-8",
    )
    return config


@dataclass
class Size:
    """One synthetic operation, its build command and the commands of its references."""

    label: str
    content: Path
    out: Path
    build: list[str]
    references: dict[str, list[str]]


def prepare(factor: int, work: Path) -> Size:
    content = make(ROOT / "content", work / f"content-{factor}x", factor)
    out = work / f"out-{factor}x"
    build = [*PROTDOCS, "build", "--content", str(content), "--out", str(out)]
    subprocess.run(build, check=True, capture_output=True)
    op_dir = next(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    references = {
        name: reference_script(op_dir, work / f"reference-{factor}x", parallel)
        for name, parallel in (("reference", False), ("reference_all_cores", True))
    }
    return Size(f"{factor}x", content, out, build, references)


def cold_builds(sizes: list[Size], runs: dict[str, int]) -> dict[str, dict[str, dict]]:
    """Cold builds and references of every size, taken in turn, round after round: this
    machine's speed drifts by 10-40% within minutes, and the measures a ratio compares must
    see the same drift. A size drops out once it has its ``runs``."""
    measured: dict[str, dict[str, list[tuple[float, int]]]] = {s.label: {} for s in sizes}
    for round_ in range(max(runs.values())):
        for size in (s for s in sizes if round_ < runs[s.label]):
            shutil.rmtree(size.out, ignore_errors=True)
            measured[size.label].setdefault("cold_build", []).append(timed(size.build))
            for name, argv in size.references.items():
                measured[size.label].setdefault(name, []).append(timed(argv))
    return {
        label: {name: summary(runs) for name, runs in measures.items()}
        for label, measures in measured.items()
    }


def rebuilds(size: Size, runs: int) -> dict[str, dict[str, float]]:
    """The preview loop: a rebuild with no change, after a one-field change, and validate."""
    subprocess.run(size.build, check=True, capture_output=True)
    edited = size.content / EDITED_FILE
    original = edited.read_text(encoding="utf-8")
    flip = {"n": 0}

    def change_one_field() -> None:
        flip["n"] += 1
        edited.write_text(
            original.replace(EDITED_FROM, f"Edit {flip['n']}: {EDITED_FROM}", 1), encoding="utf-8"
        )

    results = {"no_change_rebuild": median_of(runs, size.build)}
    results["one_field_rebuild"] = median_of(runs, size.build, before=change_one_field)
    edited.write_text(original, encoding="utf-8")
    validate = [*PROTDOCS, "validate", "--content", str(size.content)]
    results["validate"] = median_of(runs, validate)
    return results


def serve_edit_to_reload(size: Size, runs: int) -> dict[str, float] | None:
    """``protdocs serve``'s preview loop as a drafter sees it: the seconds from saving a
    one-field edit to the moment the page the browser reloads (fetched over HTTP, as the
    browser would) shows it. The server runs for all the runs; its first build is not timed."""
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hno-protection-analysis.html"
    edited = size.content / EDITED_FILE
    original = edited.read_text(encoding="utf-8")
    argv = [*PROTDOCS, "serve", "--content", str(size.content), "--port", str(port)]
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def page() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def wait_for(marker: str, limit: float = 300) -> float:
        start = time.perf_counter()
        while marker not in page():
            if time.perf_counter() - start > limit or server.poll() is not None:
                raise SystemExit(f"serve did not show {marker!r} within {limit} s")
            time.sleep(0.05)
        return time.perf_counter() - start

    try:
        wait_for(EDITED_FROM)  # the first build
        measured = []
        for n in range(runs):
            marker = f"Reload {n} {time.time_ns()}"
            time.sleep(0.5)  # the server's file watcher settles after the last rebuild
            start = time.perf_counter()
            edited.write_text(
                original.replace(EDITED_FROM, f"{marker}: {EDITED_FROM}", 1), encoding="utf-8"
            )
            wait_for(marker)
            measured.append((time.perf_counter() - start, 0))
    finally:
        server.terminate()
        server.wait(timeout=30)
        edited.write_text(original, encoding="utf-8")
    return summary(measured)


# The targets, each a measure of one size over that size's sequential reference (#21, #24).
TARGETS: tuple[tuple[str, str, float], ...] = (
    ("1x", "cold_build", 1.0),  # #24; #21 allows 1.3 at 1x, met whenever this is
    ("10x", "cold_build", 1.0),
    ("30x", "cold_build", 1.0),
    ("1x", "no_change_rebuild", 0.1),
    ("30x", "no_change_rebuild", 0.1),
    ("1x", "one_field_rebuild", 0.25),
    ("30x", "one_field_rebuild", 0.25),
    ("1x", "serve_edit_to_reload", 0.25),
    ("30x", "serve_edit_to_reload", 0.25),
)
RATIO_21 = ("1x", "cold_build", 1.3)  # #21's own bound at 1x (1.0 at 30x, as above)


def ratios(measures: dict[str, dict]) -> dict[str, float]:
    """Each measure of a size over its sequential reference."""
    reference = measures["reference"]["seconds"]
    return {
        name: round(values["seconds"] / reference, 2)
        for name, values in measures.items()
        if "seconds" in values and name != "reference"
    }


def _verdict(label: str, value: float | None, limit: float, below: bool = False) -> str:
    """One target line; ``below``: the value must be under the limit, not at most it."""
    target = f"{'<' if below else '<='} {limit}"
    if value is None:
        return f"{label:<40} {'-':>7} target {target}  not measured"
    ok = value < limit if below else value <= limit
    return f"{label:<40} {value:>7} target {target}  {'ok' if ok else 'MISSED'}"


def report(results: dict) -> str:
    lines = [f"{'size':<5} {'measure':<26} {'median s':>9} {'peak MiB':>9} {'/ ref':>6}"]
    for size, measures in results["sizes"].items():
        for name, values in measures.items():
            if "seconds" in values:
                ratio = results["ratios"][size].get(name, "")
                lines.append(
                    f"{size:<5} {name:<26} {values['seconds']:>9.3f} {values['peak_mib']:>9.1f}"
                    f" {ratio:>6}"
                )
    lines.append(f"runs per measure: {results['runs']}")
    lines.append("")
    lines.append("targets, as ratios to the same size's sequential reference:")
    sizes = results["sizes"]
    for size, measure, limit in (RATIO_21, *TARGETS):
        if size in sizes:
            label = f"{measure.replace('_', ' ')} / reference ({size})"
            lines.append(_verdict(label, results["ratios"][size].get(measure), limit))
    if {"1x", "30x"} <= sizes.keys():

        def growth(measure: str) -> float:
            return round(sizes["30x"][measure]["seconds"] / sizes["1x"][measure]["seconds"], 2)

        lines.append(f"{'cold build 30x / 1x':<40} {growth('cold_build'):>7} (for information)")
        lines.append(f"{'  reference 30x / 1x':<40} {growth('reference'):>7} (external work alone)")
        lines.append(
            f"{'  reference, all cores, 30x / 1x':<40} {growth('reference_all_cores'):>7}"
            " (the same work, spread over every core)"
        )
        peak = sizes["30x"]["cold_build"]["peak_mib"]
        lines.append(_verdict("peak memory 30x, MiB", peak, 500, True))
    return "\n".join(lines)


def runs_per_size(factors: list[int], runs: int, runs_30x: int) -> dict[str, int]:
    """Fewer runs of the largest operation, which takes most of the benchmark's time."""
    return {f"{f}x": (runs_30x if f >= 30 else runs) for f in factors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--runs-30x", type=int, default=2, help="runs per measure at 30x")
    parser.add_argument("--sizes", default="1,10,30", help="comma-separated size factors")
    args = parser.parse_args()
    factors = [int(f) for f in args.sizes.split(",")]
    runs = runs_per_size(factors, args.runs, args.runs_30x)
    results: dict = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "runs": runs,
        "sizes": {},
        "ratios": {},
    }
    with tempfile.TemporaryDirectory(prefix="protdocs-bench-") as tmp:
        sizes = []
        for factor in factors:
            print(f"preparing {factor}x ...", file=sys.stderr, flush=True)
            sizes.append(prepare(factor, Path(tmp)))
        print("cold builds and references, all sizes in turn ...", file=sys.stderr, flush=True)
        cold = cold_builds(sizes, runs)
        for size in sizes:
            print(f"rebuilds and validate, {size.label} ...", file=sys.stderr, flush=True)
            measures = {**cold[size.label], **rebuilds(size, runs[size.label])}
            serve = serve_edit_to_reload(size, runs[size.label])
            if serve is not None:
                measures["serve_edit_to_reload"] = serve
            results["sizes"][size.label] = measures
            results["ratios"][size.label] = ratios(measures)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    text = report(results)
    print(text)
    print(
        f"load average at start and end: {results['load_average_at_start']}, "
        f"{results['load_average_at_end']}"
        + (
            " (more than the cores: others were working too; compare ratios only)"
            if max(results["load_average_at_end"]) > (os.cpu_count() or 1)
            else ""
        )
    )
    results["date"] = time.strftime("%Y-%m-%d")
    (HERE / "results.json").write_text(
        json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
