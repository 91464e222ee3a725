"""The programs of each image (model/programs.py): derived once from its Dockerfile and contents."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from vertice_lint.diagnostics import Evidence
from vertice_lint.link.data import data_file
from vertice_lint.model import Image, Workload
from vertice_lint.model.files import Dockerfile
from vertice_lint.model.programs import DEFAULT_PATH, Programs
from vertice_lint.parsers.shell import unwrap_argv

_OFFICIAL_PYTHON = re.compile(
    r"^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io|mirror\.gcr\.io"
    r"|public\.ecr\.aws/docker)/)?(?:library/)?python:(?P<tag>[\w.-]+)$"
)
_WORD = re.compile(r"[^\s;&|()<>'\"`=]+")


def flavour_of(base: str) -> str | None:
    """The flavour of an official python base image (by its tag), None for any other image."""
    m = _OFFICIAL_PYTHON.match(base.split("@", 1)[0])
    if m is None:
        return None
    tag = m.group("tag").lower()
    if "windows" in tag or "nanoserver" in tag:
        return None
    if "alpine" in tag:
        return "python-alpine"
    if "slim" in tag:
        return "python-slim"
    if re.fullmatch(r"\d+(\.\d+){0,2}(-(bookworm|bullseye|trixie|buster))?", tag):
        return "python-full"
    return None


def programs_of(image: Image) -> Programs | None:
    """What the image can run; None when its Dockerfile is not read."""
    record = image.record
    if not isinstance(record, Dockerfile) or not record.stages:
        return None
    chain = record.ancestry()
    root = chain[-1]
    flavour = flavour_of(root.base)
    absent = (
        frozenset(data_file("base_programs.json")["flavours"][flavour]["absent"])
        if flavour
        else frozenset()
    )
    words: set[str] = set()
    opaque: list[str] = []
    for stage in chain:
        for run in stage.runs:
            texts = [run.text, *(h.content for h in run.heredocs)]
            for text in texts:
                for word in _WORD.findall(text):
                    words.add(word)
                    words.add(posixpath.basename(word.rstrip("/")))
            for command in unwrap_argv(run.args) if run.form == "exec" else ():
                words.update(command.argv)
        for copy in stage.copies:
            external = copy.from_stage is not None
            url = copy.is_add and any("://" in s.value for s in copy.sources)
            if external or url or copy.heredocs:
                opaque.append(posixpath.normpath(copy.dest_abs))
    files = frozenset(image.contents.fs.files) if image.contents is not None else frozenset()
    path_env = image.env.get("PATH")
    path = tuple(p for p in path_env.split(":") if p.startswith("/")) if path_env else DEFAULT_PATH
    return Programs(
        base=root.base,
        flavour=flavour,
        base_evidence=Evidence(
            image.dockerfile, root.base_line, root.base_col, f"FROM {root.base}"
        ),
        absent_in_base=absent,
        files=files,
        run_words=frozenset(words),
        opaque=tuple(opaque),
        path=path or DEFAULT_PATH,
    )


def unjudged_probe_programs(workloads: Sequence[Workload]) -> list[str]:
    """Notes (`--verbose`) for the exec-probe programs the model cannot judge although a known
    base image could lack them: why VL604 stays silent there."""
    judged = frozenset().union(
        *(frozenset(f["absent"]) for f in data_file("base_programs.json")["flavours"].values())
    )
    notes = []
    for workload in workloads:
        for container in workload.containers:
            image = container.image_link
            programs = image.programs if image is not None else None
            for probe in container.probes:
                for program, at in probe.programs:
                    if programs is None or posixpath.basename(program) not in judged:
                        continue
                    fact = programs.lookup(program)
                    if fact.state == "unknown":
                        notes.append(
                            f"{at.path}:{at.line}: the {probe.kind} probe runs {program}, not"
                            f" judged (VL604): {fact.why}"
                        )
    return notes
