"""The fix loop: apply non-overlapping fixes, re-lint, keep what verifiably helped, repeat.

As in ruff, each round accepts the applicable fixes whose edits do not overlap those already
accepted, applies them, and lints again; fixes that had to wait get a fresh diagnostic (with
fresh offsets) in the next round. On top of that every fix is verified: it is kept only if
its diagnostic is gone and nothing new appeared; in a batch that fails, the fixes that fail
alone are found by halving it (`_bisect`). Nothing is written here: the result is a
`FixOutcome` that `write_outcome` (or a `--diff`) consumes. The lints of a run parse again
only the files that changed (the engine memoises parses on each file's bytes).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vertice_lint.diagnostics import Diagnostic, Edit, Fix, ParseFailure, Safety
from vertice_lint.fix.text_edit import EditError, apply_edits
from vertice_lint.fix.write import atomic_write, delete_file
from vertice_lint.source import decode

LintFn = Callable[[Mapping[str, bytes | None]], Sequence[Diagnostic]]
ReadFn = Callable[[str], bytes | None]

_Key = tuple[str, str, str]


@dataclass(frozen=True)
class FixOutcome:
    """What a fix run would change, and what it fixed, failed to fix, or left alone."""

    changes: Mapping[str, tuple[bytes | None, bytes | None]]  # path -> (original, final)
    fixed: tuple[Diagnostic, ...]
    failed: tuple[tuple[Diagnostic, str], ...]  # rolled back, with the reason
    remaining: tuple[Diagnostic, ...]
    hit_bound: bool


def run_fixes(
    diagnostics: Sequence[Diagnostic],
    lint: LintFn,
    read: ReadFn,
    *,
    unsafe: bool,
    max_rounds: int = 10,
) -> FixOutcome:
    """Fix what can be fixed, in memory, verifying each fix by linting again."""
    state = _State(read)
    current = list(diagnostics)
    fixed: list[Diagnostic] = []
    failed: list[tuple[Diagnostic, str]] = []
    refused: set[tuple[_Key, str]] = set()
    rounds = 0
    while True:
        groups = _applicable(current, unsafe, refused)
        if not groups:
            hit_bound = False
            break
        if rounds == max_rounds:
            hit_bound = True
            break
        rounds += 1
        batch = _non_overlapping(groups)
        overlay, errors = state.apply([fix for fix, _ in batch])
        if errors:
            # A fix whose edits do not even apply: refuse it, try the others in the next round.
            for fix, diags in batch:
                if fix in errors:
                    _refuse(diags, fix, errors[fix], failed, refused)
            continue
        after = list(lint(overlay))
        reason = _verify(current, after, batch)
        if reason is None:
            state.commit(overlay)
            fixed.extend(d for _, diags in batch for d in diags)
            current = after
            continue
        if len(batch) == 1:
            _refuse(batch[0][1], batch[0][0], reason, failed, refused)
            continue
        current = _bisect(batch, current, state, lint, fixed, failed, refused)
    failed_keys = Counter(_key(d) for d, _ in failed)
    remaining = []
    for diag in sorted(current, key=Diagnostic.sort_key):
        if failed_keys[_key(diag)] > 0:
            failed_keys[_key(diag)] -= 1
        else:
            remaining.append(diag)
    return FixOutcome(
        changes=state.changes(),
        fixed=tuple(fixed),
        failed=tuple(failed),
        remaining=tuple(remaining),
        hit_bound=hit_bound,
    )


def _bisect(
    batch: Sequence[tuple[Fix, list[Diagnostic]]],
    current: list[Diagnostic],
    state: _State,
    lint: LintFn,
    fixed: list[Diagnostic],
    failed: list[tuple[Diagnostic, str]],
    refused: set[tuple[_Key, str]],
) -> list[Diagnostic]:
    """Find the fixes of a failed batch that fail alone, in order, by testing parts of it
    (Hwang's generalised binary splitting): a part that verifies is committed whole; one that
    fails is halved down to its first culprit, committing the halves before it that verify,
    and the culprit is verified alone, then refused as trying every fix alone would refuse it.
    Parts are sized from the share of culprits found so far: one culprit among many costs a
    few lints instead of one per fix, and when most fixes fail, they are tried one by one.

    A fix on a file that a part committed here changed waits for the next round: its offsets
    were computed on the text before that change. Returns the diagnostics after the commits."""
    search = _Search(state, lint, current, fixed)
    pending = list(batch)
    seen = culprits = 0
    while True:
        pending = search.waiting(pending)
        if not pending:
            return search.current
        size = _part_size(len(pending), seen, culprits)
        part, pending = pending[:size], pending[size:]
        reason = search.verify(part)
        presumed = False  # the part holds a culprit (its reason is not known yet)
        while reason is None or presumed or len(part) > 1:
            if reason is None and not presumed:
                seen += len(part)
                break
            if len(part) == 1:  # a presumed culprit, verified alone
                reason = search.verify(part)
                presumed = False
                continue
            middle = (len(part) + 1) // 2
            half, rest = part[:middle], part[middle:]
            reason = search.verify(half)
            if reason is None:
                seen += len(half)
                part, presumed = search.waiting(rest), True
                if not part:
                    break
            else:
                pending = rest + pending  # tried after the culprit, in order
                part, presumed = half, False
        else:
            assert reason is not None
            _refuse(part[0][1], part[0][0], reason, failed, refused)
            seen += 1
            culprits += 1


def _part_size(remaining: int, seen: int, culprits: int) -> int:
    """How many of the remaining fixes to verify together: Hwang's 2**floor(log2((n-d+1)/d))
    for d culprits among n, d estimated from the share of culprits so far (at least one: the
    batch failed), one by one when about half of them fail."""
    if seen == 0:
        return max(1, min(1 << int(math.log2(remaining)), (remaining + 1) // 2))
    expected = max(1, round(remaining * culprits / seen))
    if remaining <= 2 * expected - 2:
        return 1
    return 1 << int(math.log2((remaining - expected + 1) / expected))


class _Search:
    """The state of a `_bisect`: the diagnostics after the commits, the files they changed."""

    def __init__(
        self, state: _State, lint: LintFn, current: list[Diagnostic], fixed: list[Diagnostic]
    ) -> None:
        self.state = state
        self.lint = lint
        self.current = current
        self.fixed = fixed
        self.touched: set[str] = set()

    def waiting(
        self, fixes: Sequence[tuple[Fix, list[Diagnostic]]]
    ) -> list[tuple[Fix, list[Diagnostic]]]:
        """The fixes still to try in this round: not on a file a commit here changed."""
        return [f for f in fixes if not any(edit.path in self.touched for edit in f[0].edits)]

    def verify(self, part: Sequence[tuple[Fix, list[Diagnostic]]]) -> str | None:
        """Apply, lint and verify `part`: commit it and return None, or return why not."""
        overlay, errors = self.state.apply([fix for fix, _ in part])
        after = list(self.lint(overlay)) if not errors else []
        reason = next(iter(errors.values()), None) or _verify(self.current, after, part)
        if reason is None:
            self.state.commit(overlay)
            self.fixed.extend(d for _, diags in part for d in diags)
            self.current = after
            self.touched.update(edit.path for fix, _ in part for edit in fix.edits)
        return reason


def write_outcome(root: Path, outcome: FixOutcome) -> None:
    """Write the final bytes of every changed file (creations and deletions included)."""
    for path in sorted(outcome.changes):
        _, final = outcome.changes[path]
        if final is None:
            delete_file(root, path)
        else:
            atomic_write(root, path, final)


class _State:
    """The committed overlay of changed files on top of what is on disk."""

    def __init__(self, read: ReadFn) -> None:
        self._read = read
        self._original: dict[str, bytes | None] = {}
        self.overlay: dict[str, bytes | None] = {}

    def content(self, path: str) -> bytes | None:
        if path in self.overlay:
            return self.overlay[path]
        if path not in self._original:
            self._original[path] = self._read(path)
        return self._original[path]

    def apply(self, fixes: Sequence[Fix]) -> tuple[dict[str, bytes | None], dict[Fix, str]]:
        """The overlay with `fixes` applied, and the fixes that could not be applied."""
        errors: dict[Fix, str] = {}
        per_path: dict[str, list[tuple[Fix, Edit]]] = defaultdict(list)
        for fix in fixes:
            for edit in fix.edits:
                per_path[edit.path].append((fix, edit))
        overlay = dict(self.overlay)
        for path, pairs in per_path.items():
            try:
                overlay[path] = self._apply_to(path, [edit for _, edit in pairs])
            except (EditError, ParseFailure, UnicodeEncodeError) as exc:
                reason = f"cannot apply: {getattr(exc, 'message', None) or exc}"
                for fix, _ in pairs:
                    errors.setdefault(fix, reason)
        return overlay, errors

    def _apply_to(self, path: str, edits: Sequence[Edit]) -> bytes | None:
        old = self.content(path)
        if any(edit.delete for edit in edits):
            if old is None:
                raise EditError(f"{path}: cannot delete a file that does not exist")
            return None
        creations = [edit for edit in edits if edit.create]
        if creations:
            if old is not None:
                raise EditError(f"{path}: cannot create a file that exists")
            return creations[0].replacement.encode("utf-8")
        if old is None:
            raise EditError(f"{path}: the file does not exist")
        decoded = decode(old, python=path.endswith(".py"))
        return decoded.encode(apply_edits(decoded.text, edits))

    def commit(self, overlay: dict[str, bytes | None]) -> None:
        for path in overlay:
            self.content(path)  # remember the original before it is shadowed
        self.overlay = overlay

    def changes(self) -> dict[str, tuple[bytes | None, bytes | None]]:
        return {
            path: (self._original[path], final)
            for path, final in sorted(self.overlay.items())
            if self._original[path] != final
        }


def _key(diag: Diagnostic) -> _Key:
    # Lines move when a file is edited, so a diagnostic is matched on what it says.
    return (diag.rule, diag.path, diag.message)


def _applicable(
    diagnostics: Sequence[Diagnostic], unsafe: bool, refused: set[tuple[_Key, str]]
) -> list[tuple[Fix, list[Diagnostic]]]:
    """Fixes to try, each with the diagnostics it answers, in a deterministic order."""
    groups: dict[Fix, list[Diagnostic]] = {}
    for diag in sorted(diagnostics, key=Diagnostic.sort_key):
        fix = diag.fix
        if fix is None or not fix.edits or (fix.safety is Safety.UNSAFE and not unsafe):
            continue
        if (_key(diag), fix.description) in refused:
            continue
        groups.setdefault(fix, []).append(diag)
    return list(groups.items())


def _non_overlapping(
    groups: Sequence[tuple[Fix, list[Diagnostic]]],
) -> list[tuple[Fix, list[Diagnostic]]]:
    """The fixes whose edits overlap none taken before them (the rest wait a round)."""
    taken: dict[str, list[Edit]] = defaultdict(list)
    batch = []
    for fix, diags in groups:
        if any(_overlaps(edit, other) for edit in fix.edits for other in taken[edit.path]):
            continue
        for edit in fix.edits:
            taken[edit.path].append(edit)
        batch.append((fix, diags))
    return batch


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.create or a.delete or b.create or b.delete:
        return True
    if a.start == a.end == b.start == b.end:
        return True  # two insertions at one point: their order would be a guess
    return (a.start < b.end and b.start < a.end) or a.start == b.start


def _verify(
    before: Sequence[Diagnostic],
    after: Sequence[Diagnostic],
    batch: Sequence[tuple[Fix, list[Diagnostic]]],
) -> str | None:
    """None if every fix removed its diagnostics and nothing new appeared, else why not."""
    old = Counter(_key(d) for d in before)
    new = Counter(_key(d) for d in after)
    left = {(rule, edit.path) for fix, _ in batch for rule in fix.leaves for edit in fix.edits}
    for rule, path, message in sorted(new - old):
        if (rule, path) in left:
            continue
        what = "the result does not parse" if rule == "VL001" else "it introduces"
        return f"{what}: {rule} {path}: {message}"
    expected = Counter(_key(d) for _, diags in batch for d in diags)
    for key, count in sorted(expected.items()):
        if new[key] > old[key] - count:
            return f"the diagnostic is still reported after the fix: {key[0]} {key[2]}"
    return None


def _refuse(
    diags: Sequence[Diagnostic],
    fix: Fix,
    reason: str,
    failed: list[tuple[Diagnostic, str]],
    refused: set[tuple[_Key, str]],
) -> None:
    for diag in diags:
        failed.append((diag, reason))
        refused.add((_key(diag), fix.description))
