"""What programs an image can run, as far as the repository shows it (VL604 and the like)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from vertice_lint.diagnostics import Evidence

DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


@dataclass(frozen=True)
class ProgramFact:
    """Whether the image has a program: "present", "absent" or "unknown" (then `why` says why
    the model cannot know), with the evidence of an absence."""

    state: str
    why: str = ""
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Programs:
    """The programs of one image: what its base image is known to lack, what its COPY/ADD put
    where, which words its RUN instructions use (a RUN may install or download anything it
    names), and the destinations whose contents the repository cannot show (a COPY --from
    another stage or image, an ADD of a URL)."""

    base: str  # the root base image, as written after ARG substitution
    flavour: str | None  # a key of data/base_programs.json; None: the base's contents are unknown
    base_evidence: Evidence
    absent_in_base: frozenset[str]
    files: frozenset[str]  # absolute image paths a COPY/ADD of repository files puts there
    run_words: frozenset[str]  # every word (and its basename) of the final stage chain's RUNs
    opaque: tuple[str, ...]  # image directories whose contents the repository does not show
    path: tuple[str, ...] = DEFAULT_PATH

    def lookup(self, program: str) -> ProgramFact:
        """Whether `program` (a name looked up on PATH, or an absolute path) is in the image."""
        name = posixpath.basename(program)
        if not name:
            return ProgramFact("unknown", "no program name")
        candidates = (
            (posixpath.normpath(program),)
            if program.startswith("/")
            else tuple(posixpath.join(d, name) for d in self.path)
        )
        if "/" in program and not program.startswith("/"):
            return ProgramFact("unknown", f"{program} is relative to the working directory")
        if any(c in self.files for c in candidates):
            return ProgramFact("present")
        for directory in self.opaque:
            if any(c == directory or c.startswith(directory.rstrip("/") + "/") for c in candidates):
                return ProgramFact(
                    "unknown", f"{directory} holds files the repository does not show"
                )
        if name in self.run_words or program in self.run_words:
            return ProgramFact("unknown", f"a RUN instruction names {name} (it may install it)")
        if self.flavour is None:
            return ProgramFact("unknown", f"what {self.base} contains is not known")
        if name in self.absent_in_base:
            note = f"FROM {self.base}: this base image has no {name}, and no RUN installs it"
            return ProgramFact("absent", evidence=(Evidence(*self._at(), note),))
        return ProgramFact("unknown", f"{self.base} may have {name}")

    def _at(self) -> tuple[str, int, int]:
        ev = self.base_evidence
        return ev.path, ev.line, ev.col
