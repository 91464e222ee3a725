"""Time vertice-lint and its peers on real repositories: `python benchmarks/field.py [PATH...]`.

Each repository given as a path (default: the field corpora under `~/corpora` that exist),
plus synthetic repositories from `scale.py`'s generator (`--services`, default 100 and 1,000),
is linted by vertice-lint and by each peer that is installed (checkov, kubernetes-validate,
hadolint, ruff), `--repeat` times, alternating tools; the medians of wall time, CPU time
(user + system of the child and its children) and peak memory (the largest process) are
printed as a markdown table. A peer that is not installed gets a "skipped" row.

vertice-lint runs from this checkout (its directory is put first on PYTHONPATH) with the
interpreter running this script. It runs cold with `--no-cache` when it has that option;
when it also has `--cache-dir`, a warm row is measured with a cache in a temporary directory
(never in the repository measured).
Nothing is written into the repositories measured.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from scale import build

CHECKOUT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = (
    "vertice-head",
    "vertice-pre",
    "news-microservices",
    "opentelemetry-demo",
    "microservices-demo",
)
DEFAULT_SERVICES = (100, 1000)
MANIFEST_LINES = (re.compile(r"^\s*apiVersion:", re.M), re.compile(r"^\s*kind:", re.M))


@dataclass(frozen=True)
class Tree:
    """A repository to measure: its name, root and every file under it (.git left out)."""

    name: str
    root: Path
    files: tuple[Path, ...]

    def dockerfiles(self) -> list[Path]:
        return [f for f in self.files if _is_dockerfile(f.name)]

    def manifests(self) -> list[Path]:
        """YAML files that hold a Kubernetes object (an `apiVersion:` and a `kind:` line)."""
        found = []
        for f in self.files:
            if f.suffix not in (".yaml", ".yml"):
                continue
            try:
                text = f.read_text("utf-8", errors="replace")
            except OSError:
                continue
            if all(p.search(text) for p in MANIFEST_LINES):
                found.append(f)
        return found


def _is_dockerfile(name: str) -> bool:
    low = name.lower()
    return (
        low in ("dockerfile", "containerfile")
        or low.startswith("dockerfile.")
        or low.endswith(".dockerfile")
    )


def walk(name: str, root: Path) -> Tree:
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        files.extend(Path(dirpath, f) for f in sorted(filenames))
    return Tree(name, root, tuple(files))


@dataclass(frozen=True)
class Command:
    """One invocation to time: its argv, extra environment, and how many files it is given."""

    argv: list[str]
    files: int
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Tool:
    """A linter to time: `find` gives its argv prefix (None: not installed); `command` builds
    the invocation on a tree (None: nothing in the tree for it)."""

    name: str
    find: Callable[[], list[str] | None]
    command: Callable[[list[str], Tree], Command | None]
    missing: str = "not installed"


def _on_path(name: str) -> Callable[[], list[str] | None]:
    def find() -> list[str] | None:
        exe = shutil.which(name)
        return [exe] if exe else None

    return find


def _vertice_lint_options() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "vertice_lint", "check", "--help"],
        capture_output=True,
        text=True,
        env=_vertice_lint_env(),
        check=False,
    )
    return done.stdout


def _vertice_lint_env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(CHECKOUT) + (os.pathsep + path if path else "")
    return env


def vertice_lint_tools(cache_dir: Path | None) -> list[Tool]:
    """The cold row, and the warm row when the tool has a cache it can keep outside the tree."""
    options = _vertice_lint_options()
    base = [sys.executable, "-m", "vertice_lint", "check", "--format", "json", "--exit-zero"]
    env = {"PYTHONPATH": _vertice_lint_env()["PYTHONPATH"]}
    cold = base + (["--no-cache"] if "--no-cache" in options else [])

    def run(argv: list[str]) -> Callable[[list[str], Tree], Command]:
        return lambda prefix, tree: Command([*argv, str(tree.root)], len(tree.files), env)

    tools = [Tool("vertice-lint (cold)", lambda: cold, run(cold))]
    if cache_dir is not None and "--no-cache" in options and "--cache-dir" in options:
        warm = [*base, "--cache-dir", str(cache_dir)]
        tools.append(Tool("vertice-lint (warm)", lambda: warm, run(warm)))
    return tools


def _checkov(prefix: list[str], tree: Tree) -> Command:
    argv = [*prefix, "-d", str(tree.root), "--framework", "kubernetes,dockerfile"]
    argv += ["--quiet", "--compact", "--skip-download", "-o", "cli"]
    return Command(argv, len(tree.files), {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"})


def _find_kubernetes_validate() -> list[str] | None:
    exe = shutil.which("kubernetes-validate")
    if exe:
        return [exe]
    if importlib.util.find_spec("kubernetes_validate") is not None:
        return [sys.executable, "-m", "kubernetes_validate"]
    return None


def _kubernetes_validate(prefix: list[str], tree: Tree) -> Command | None:
    manifests = tree.manifests()
    if not manifests:
        return None
    return Command([*prefix, "--quiet", *map(str, manifests)], len(manifests))


def _hadolint(prefix: list[str], tree: Tree) -> Command | None:
    dockerfiles = tree.dockerfiles()
    if not dockerfiles:
        return None
    return Command([*prefix, "--no-fail", *map(str, dockerfiles)], len(dockerfiles))


def _find_ruff() -> list[str] | None:
    exe = shutil.which("ruff")
    if exe:
        return [exe]
    if importlib.util.find_spec("ruff") is not None:
        from ruff import find_ruff_bin  # type: ignore[import-untyped]

        return [str(find_ruff_bin())]
    return None


def _ruff(prefix: list[str], tree: Tree) -> Command:
    argv = [*prefix, "check", "--no-cache", "--exit-zero", "--quiet", str(tree.root)]
    return Command(argv, len(tree.files))


PEERS = (
    Tool("checkov", _on_path("checkov"), _checkov),
    Tool("kubernetes-validate", _find_kubernetes_validate, _kubernetes_validate),
    Tool("hadolint", _on_path("hadolint"), _hadolint),
    Tool("ruff", _find_ruff, _ruff),
)


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    exit: int


@dataclass
class Row:
    tree: str
    tree_files: int
    tool: str
    files: int = 0
    samples: list[Sample] = field(default_factory=list)
    skipped: str = ""

    def failed(self) -> bool:
        return any(s.exit != 0 for s in self.samples)

    def median(self, attr: str) -> float:
        return float(statistics.median(getattr(s, attr) for s in self.samples))


def time_command(command: Command) -> Sample:
    """Run once, output discarded: wall clock, and the child's CPU and peak RSS from wait4."""
    env = {**os.environ, **command.env}
    start = time.perf_counter()
    proc = subprocess.Popen(
        command.argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Sample(wall, usage.ru_utime + usage.ru_stime, rss, proc.returncode)


def measure(
    trees: Sequence[Tree],
    tools: Sequence[Tool],
    repeat: int,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Row]:
    """Per tree, `repeat` rounds of every available tool in turn (so tools alternate)."""
    rows: list[Row] = []
    for tree in trees:
        plan: list[tuple[Row, Command]] = []
        for tool in tools:
            row = Row(tree.name, len(tree.files), tool.name)
            rows.append(row)
            prefix = tool.find()
            if prefix is None:
                row.skipped = f"skipped: {tool.missing}"
                continue
            command = tool.command(prefix, tree)
            if command is None:
                row.skipped = "skipped: no input files"
                continue
            row.files = command.files
            plan.append((row, command))
        if any(r.tool == "vertice-lint (warm)" for r, _ in plan):
            warm = next(c for r, c in plan if r.tool == "vertice-lint (warm)")
            time_command(warm)  # fill the cache once; not counted
        for round_ in range(repeat):
            for row, command in plan:
                progress(f"{tree.name}: {row.tool} ({round_ + 1}/{repeat})")
                row.samples.append(time_command(command))
                progress(f"  {row.samples[-1].wall:.2f} s")
    return rows


COLUMNS = (
    "repository",
    "files in tree",
    "tool",
    "files given",
    "wall s",
    "CPU s",
    "peak MB",
    "files/s",
    "note",
)


def _seconds(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def render(rows: Sequence[Row]) -> str:
    """The markdown table: one row per repository and tool, medians of the samples."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---|---:|---|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        if not row.samples:
            cells = [row.tree, f"{row.tree_files:,}", row.tool, "-", "-", "-", "-", "-"]
            lines.append("| " + " | ".join([*cells, row.skipped]) + " |")
            continue
        wall = row.median("wall")
        exits = sorted({s.exit for s in row.samples})
        note = "" if exits == [0] else "exit " + ", ".join(map(str, exits))
        cells = [
            row.tree,
            f"{row.tree_files:,}",
            row.tool,
            f"{row.files:,}",
            _seconds(wall),
            _seconds(row.median("cpu")),
            f"{row.median('rss_mb'):,.0f}",
            f"{row.files / wall:,.0f}" if wall > 0 else "-",
            note,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _version(argv: list[str], env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=120, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].split()[-1] if lines else "?"


def versions(tools: Sequence[Tool]) -> str:
    """`name version` of vertice-lint (with this checkout's commit) and each installed peer."""
    commit = subprocess.run(
        ["git", "-C", str(CHECKOUT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    ours = _version([sys.executable, "-m", "vertice_lint", "--version"], _vertice_lint_env())
    found = [f"vertice-lint {ours}" + (f" at {commit}" if commit else "")]
    for tool in tools:
        prefix = None if tool.name.startswith("vertice-lint") else tool.find()
        if prefix is not None:
            found.append(f"{tool.name} {_version([*prefix, '--version'])}")
    return ", ".join(found)


def rss_floor() -> float:
    """Peak MB reported for a program that uses none: Linux counts in a child's peak the
    resident size of the process it was forked from (this script)."""
    true = shutil.which("true")
    return time_command(Command([true], 0)).rss_mb if true else 0.0


def header(repeat: int, tools: Sequence[Tool]) -> str:
    today = datetime.date.today().isoformat()
    return (
        f"Measured {today} on {os.cpu_count()} CPUs ({platform.system()} {platform.machine()}),"
        f" Python {platform.python_version()}; medians of {repeat} run(s), tools alternating."
        f" Tools: {versions(tools)}. Peak MB is the largest process of a run, and"
        f" {rss_floor():.0f} MB at least (the harness's own size, which the kernel counts)."
    )


def default_corpora(base: Path) -> list[Path]:
    return [base / name for name in DEFAULT_CORPORA if (base / name).is_dir()]


def _age(root: Path) -> None:
    """Date the generated files a minute back: vertice-lint keeps no cache entry for a tree
    with files modified in the last seconds (an edit in the same timestamp tick could go
    unseen), so a warm run of a tree written just now would be a cold one."""
    then = time.time() - 60
    for path in root.rglob("*"):
        os.utime(path, (then, then), follow_symlinks=False)


@contextmanager
def synthetic(sizes: Sequence[int]) -> Iterator[list[Tree]]:
    """Repositories from scale.py's generator, in a temporary directory."""
    with tempfile.TemporaryDirectory() as tmp:
        trees = []
        for n in sizes:
            root = Path(tmp, f"synthetic-{n}")
            build(root, n)
            _age(root)
            trees.append(walk(f"synthetic, {n:,} services", root))
        yield trees


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="repositories to measure (default: those of ~/corpora/{"
        + ",".join(DEFAULT_CORPORA)
        + "} that exist; see --corpora)",
    )
    parser.add_argument(
        "--corpora",
        type=Path,
        default=Path("~/corpora"),
        help="where the default repositories are (default: ~/corpora)",
    )
    parser.add_argument(
        "--services",
        default=",".join(map(str, DEFAULT_SERVICES)),
        help="synthetic repository sizes, comma-separated ('' for none)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool (median)")
    parser.add_argument(
        "--smallest",
        action="store_true",
        help="measure only the smallest synthetic repository (for CI: needs no corpus)",
    )
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    paths = args.paths or default_corpora(args.corpora.expanduser())
    sizes = [int(s) for s in args.services.split(",") if s.strip()]
    if args.smallest:
        # The smallest synthetic repository alone (no corpus needed), else the smallest path.
        sizes = sorted(sizes)[:1]
        paths = [] if sizes else paths
    with synthetic(sizes) as generated, tempfile.TemporaryDirectory() as cache:
        trees = [walk(p.name, p) for p in paths] + generated
        if args.smallest:
            trees = sorted(trees, key=lambda t: len(t.files))[:1]
        tools = [*vertice_lint_tools(Path(cache)), *PEERS]
        rows = measure(trees, tools, args.repeat, lambda m: print(m, file=sys.stderr))
    table = render(rows)
    text = header(args.repeat, tools) + "\n\n" + table + "\n"
    print(text, end="")
    if args.out:
        args.out.write_text(text, "utf-8")
    # vertice-lint runs with --exit-zero: any other exit is a crash, and fails the benchmark.
    crashed = [r for r in rows if r.tool.startswith("vertice-lint") and r.failed()]
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
