"""The build benchmark: ``make bench``.

Measures whole-process runs of ``protdocs`` on synthetic operations at 1x, 10x and 30x the
example's size, as the median of several runs, and the reference: the external work a build
cannot avoid (pandoc converting the same Markdown files one by one, and one ``mkdocs build`` of
the same pages), also run the fastest way this machine allows (every core at once), which shows
how much of the growth from 1x to 30x no build can avoid. Prints a table and writes
benchmarks/results.json.
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

ROOT = Path(__file__).resolve().parent.parent
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
    """pandoc on each Markdown output, then mkdocs build of the public pages: one after the
    other, or (``parallel``) the best this machine can do with that same work: mkdocs and the
    conversions all at once, as many conversions at a time as there are cores, largest first.

    Works on a copy of the build's Markdown and charts in ``work``, so that cold builds can
    delete and remake the build folder between its runs."""
    import pypandoc

    source = work / "markdown"
    if not source.is_dir():
        for folder in ("public", "internal"):
            shutil.copytree(out / folder, source / folder)
    pandoc = pypandoc.get_pandoc_path()
    markdown = sorted(source.rglob("*.md"), key=lambda md: (-md.stat().st_size, md))
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
    mkdocs = f"'{BIN / 'mkdocs'}' build -q -f '{config}'"
    if parallel:
        listing = work / "ref-markdown.txt"
        listing.write_text("".join(f"{md}\n" for md in markdown), encoding="utf-8")
        convert = f'"{pandoc}" "$0" -o "$0.docx" --resource-path="$(dirname "$0")"'
        script = (
            f"{mkdocs} & site=$!; xargs -P {os.cpu_count() or 1} -I@ sh -c '{convert}' @"
            f" < '{listing}' && wait $site"
        )
    else:
        script = " && ".join(
            [
                f"'{pandoc}' '{md}' -o '{work / 'ref.docx'}' --resource-path='{md.parent}'"
                for md in markdown
            ]
            + [mkdocs]
        )
    return ["bash", "-c", script]


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


def cold_builds(sizes: list[Size], runs: int) -> dict[str, dict[str, dict[str, float]]]:
    """Cold builds and references of every size, taken in turn, round after round: this
    machine's speed drifts by 10-40% within minutes, and the measures a ratio compares must
    see the same drift."""
    measured: dict[str, dict[str, list[tuple[float, int]]]] = {s.label: {} for s in sizes}
    for _ in range(runs):
        for size in sizes:
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


def serve_edit_to_reload(size: Size, runs: int) -> dict[str, float]:
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


TARGETS = {
    "serve edit-to-reload / reference (1x)": ("1x", "serve_ratio_to_reference", "ratio", 0.25),
    "cold build / reference (1x)": ("1x", "cold_ratio_to_reference", "ratio", 1.3),
    "no-change rebuild, s (1x)": ("1x", "no_change_rebuild", "seconds", 0.3),
    "one-field rebuild, s (1x)": ("1x", "one_field_rebuild", "seconds", 1.0),
}


def _verdict(label: str, value: float, limit: float, below: bool = False) -> str:
    """One target line; ``below``: the value must be under the limit, not at most it."""
    ok = value < limit if below else value <= limit
    target = f"{'<' if below else '<='} {limit}"
    return f"{label:<32} {value:>7} target {target}  {'ok' if ok else 'MISSED'}"


def report(results: dict) -> str:
    lines = [f"{'size':<5} {'measure':<26} {'median s':>9} {'peak MiB':>9}"]
    for size, measures in results["sizes"].items():
        for name, values in measures.items():
            if "seconds" in values:
                lines.append(
                    f"{size:<5} {name:<26} {values['seconds']:>9.3f} {values['peak_mib']:>9.1f}"
                )
            else:
                lines.append(f"{size:<5} {name:<26} {'ratio ' + str(values['ratio']):>9}")
    lines.append("")
    for label, (size, measure, key, limit) in TARGETS.items():
        if size in results["sizes"]:
            lines.append(_verdict(label, results["sizes"][size][measure][key], limit))
    if {"1x", "30x"} <= results["sizes"].keys():
        sizes = results["sizes"]

        def growth(measure: str) -> float:
            return round(sizes["30x"][measure]["seconds"] / sizes["1x"][measure]["seconds"], 2)

        lines.append(_verdict("cold build 30x / 1x", growth("cold_build"), 4))
        lines.append(f"{'  reference 30x / 1x':<32} {growth('reference'):>7} (external work alone)")
        lines.append(
            f"{'  reference, all cores, 30x / 1x':<32} {growth('reference_all_cores'):>7}"
            " (the same work, spread over every core)"
        )
        lines.append(
            _verdict("peak memory 30x, MiB", sizes["30x"]["cold_build"]["peak_mib"], 500, True)
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measure (median)")
    parser.add_argument("--sizes", default="1,10,30", help="comma-separated size factors")
    args = parser.parse_args()
    results: dict = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "runs": args.runs,
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="protdocs-bench-") as tmp:
        sizes = []
        for factor in (int(f) for f in args.sizes.split(",")):
            print(f"preparing {factor}x ...", file=sys.stderr, flush=True)
            sizes.append(prepare(factor, Path(tmp)))
        print("cold builds and references, all sizes in turn ...", file=sys.stderr, flush=True)
        cold = cold_builds(sizes, args.runs)
        for size in sizes:
            print(f"rebuilds and validate, {size.label} ...", file=sys.stderr, flush=True)
            measures = {**cold[size.label], **rebuilds(size, args.runs)}
            ratio = measures["cold_build"]["seconds"] / measures["reference"]["seconds"]
            measures["cold_ratio_to_reference"] = {"ratio": round(ratio, 2)}
            measures["serve_edit_to_reload"] = serve_edit_to_reload(size, args.runs)
            reload = measures["serve_edit_to_reload"]["seconds"] / measures["reference"]["seconds"]
            measures["serve_ratio_to_reference"] = {"ratio": round(reload, 2)}
            results["sizes"][size.label] = measures
    text = report(results)
    print(text)
    results["date"] = time.strftime("%Y-%m-%d")
    (ROOT / "benchmarks" / "results.json").write_text(
        json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
