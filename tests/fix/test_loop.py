"""The fix loop with a fake linter: a tiny rule implemented here, run over a tmp tree."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from vertice_lint.diagnostics import Diagnostic, Edit, Fix, Safety
from vertice_lint.fix.diff import unified_diff
from vertice_lint.fix.loop import FixOutcome, run_fixes, write_outcome
from vertice_lint.fix.yaml_edit import set_scalar
from vertice_lint.source import decode


def image_rule(path: str, text: str) -> list[Diagnostic]:
    """VL900: every container image has a tag. Special images misbehave on purpose."""
    try:
        docs = list(YAML(typ="rt").load_all(text))
    except YAMLError:
        return [Diagnostic("VL001", path, 1, 1, "does not parse")]
    found = []
    for d, doc in enumerate(docs):
        for i, container in enumerate((doc or {}).get("spec", {}).get("containers", [])):
            image = container["image"]
            if ":" in image:
                continue
            line, col = container.lc.value("image")
            if image == "broken":
                edit = Edit(path, 0, 0, "key: [\n")  # a fix whose result does not parse
            elif image == "stubborn":
                edit = Edit(path, 0, 0, "# tried\n")  # a fix that does not fix
            else:
                keypath: list[str | int] = ["spec", "containers", i, "image"]
                edit = set_scalar(path, text, d, keypath, image + ":1.0")
            safety = Safety.UNSAFE if image == "risky" else Safety.SAFE
            fix = Fix((edit,), safety, f"pin {image}")
            message = f"image {image!r} has no tag"
            found.append(Diagnostic("VL900", path, line + 1, col + 1, message, fix=fix))
    return found


def header_rule(path: str, text: str) -> list[Diagnostic]:
    """VL901/VL902: two rules whose fixes both insert at the top of the file (they overlap)."""
    found = []
    for rule, line in [("VL901", "# managed-by: vertice"), ("VL902", "# owner: team-a")]:
        if line not in text.splitlines():
            fix = Fix((Edit(path, 0, 0, line + "\n"),), Safety.SAFE, f"add {line}")
            found.append(Diagnostic(rule, path, 1, 1, f"missing {line!r}", fix=fix))
    return found


class FakeLinter:
    def __init__(self, root: Path, *, headers: bool = False) -> None:
        self.root = root
        self.headers = headers
        self.calls = 0

    def read(self, path: str) -> bytes | None:
        target = self.root / path
        return target.read_bytes() if target.exists() else None

    def __call__(self, overlay: Mapping[str, bytes | None]) -> Sequence[Diagnostic]:
        self.calls += 1
        files: dict[str, bytes | None] = {
            p.relative_to(self.root).as_posix(): p.read_bytes() for p in self.root.rglob("*.yaml")
        }
        files.update(overlay)
        diags: list[Diagnostic] = []
        for path, data in sorted(files.items()):
            if data is None:
                continue
            text = decode(data).text
            diags += image_rule(path, text)
            if self.headers:
                diags += header_rule(path, text)
        return diags

    def run(self, *, unsafe: bool = False, max_rounds: int = 10) -> FixOutcome:
        return run_fixes(self({}), self, self.read, unsafe=unsafe, max_rounds=max_rounds)


POD = (
    "# the web pod\r\n"
    "spec:\r\n"
    "  containers:\r\n"
    "  - name: web\r\n"
    "    image: 'nginx'  # pin me\r\n"
    "  - name: side\r\n"
    "    image: busybox:1.36\r\n"
)


def test_fixes_then_a_second_run_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_bytes(b"\xef\xbb\xbf" + POD.encode())
    (tmp_path / "job.yaml").write_bytes(b"spec:\n  containers:\n  - image: redis\n")
    linter = FakeLinter(tmp_path)

    outcome = linter.run()

    assert not outcome.failed and not outcome.remaining and not outcome.hit_bound
    assert [d.path for d in outcome.fixed] == ["job.yaml", "k8s/pod.yaml"]
    assert (tmp_path / "job.yaml").read_bytes() == b"spec:\n  containers:\n  - image: redis\n"
    write_outcome(tmp_path, outcome)
    assert (tmp_path / "job.yaml").read_bytes() == b"spec:\n  containers:\n  - image: redis:1.0\n"
    assert (tmp_path / "k8s" / "pod.yaml").read_bytes() == b"\xef\xbb\xbf" + POD.replace(
        "'nginx'", "'nginx:1.0'"
    ).encode()

    again = linter.run()
    assert again.changes == {} and again.fixed == () and again.remaining == ()


def test_bad_fixes_are_rolled_back_and_the_good_one_applies(tmp_path: Path) -> None:
    text = "spec:\n  containers:\n  - image: broken\n  - image: nginx\n  - image: stubborn\n"
    (tmp_path / "pod.yaml").write_text(text)
    outcome = FakeLinter(tmp_path).run()

    assert outcome.changes == {
        "pod.yaml": (text.encode(), text.replace("nginx", "nginx:1.0").encode())
    }
    assert [d.message for d in outcome.fixed] == ["image 'nginx' has no tag"]
    reasons = {d.message: reason for d, reason in outcome.failed}
    assert reasons == {
        "image 'broken' has no tag": "the result does not parse: VL001 pod.yaml: does not parse",
        "image 'stubborn' has no tag": (
            "the diagnostic is still reported after the fix: VL900 image 'stubborn' has no tag"
        ),
    }
    assert outcome.remaining == ()


def test_overlapping_fixes_take_two_rounds(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kind: ConfigMap\n")
    linter = FakeLinter(tmp_path, headers=True)
    outcome = linter.run()
    assert outcome.changes["a.yaml"][1] == (
        b"# owner: team-a\n# managed-by: vertice\nkind: ConfigMap\n"
    )
    assert [d.rule for d in outcome.fixed] == ["VL901", "VL902"]
    assert linter.calls == 3  # the initial lint, then one per round
    assert not outcome.hit_bound


def test_the_bound_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kind: ConfigMap\n")
    outcome = FakeLinter(tmp_path, headers=True).run(max_rounds=1)
    assert outcome.hit_bound
    assert [d.rule for d in outcome.fixed] == ["VL901"]
    assert [d.rule for d in outcome.remaining] == ["VL902"]


def test_unsafe_fixes_need_the_flag(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("spec:\n  containers:\n  - image: risky\n")
    linter = FakeLinter(tmp_path)
    assert linter.run().changes == {}
    assert [d.message for d in linter.run().remaining] == ["image 'risky' has no tag"]
    fixed = linter.run(unsafe=True)
    assert fixed.changes["a.yaml"][1] == b"spec:\n  containers:\n  - image: risky:1.0\n"


def test_creation_and_deletion_fixes_with_their_diff(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_bytes(b"a: 1\nb: 2")
    create = Fix((Edit("new.yaml", replacement="c: 3\n", create=True),), Safety.SAFE, "create")
    delete = Fix((Edit("old.yaml", delete=True),), Safety.SAFE, "delete")
    diags = [
        Diagnostic("VL950", "new.yaml", 1, 1, "missing file", fix=create),
        Diagnostic("VL951", "old.yaml", 1, 1, "stale file", fix=delete),
    ]

    def lint(overlay: Mapping[str, bytes | None]) -> Sequence[Diagnostic]:
        return [d for d in diags if d.path not in overlay]  # fixed once its file changed

    def read(path: str) -> bytes | None:
        target = tmp_path / path
        return target.read_bytes() if target.exists() else None

    outcome = run_fixes(diags, lint, read, unsafe=False)
    assert outcome.changes == {"new.yaml": (None, b"c: 3\n"), "old.yaml": (b"a: 1\nb: 2", None)}
    assert unified_diff(outcome.changes, lambda p: p) == (
        "--- /dev/null\n"
        "+++ b/new.yaml\n"
        "@@ -0,0 +1 @@\n"
        "+c: 3\n"
        "--- a/old.yaml\n"
        "+++ /dev/null\n"
        "@@ -1,2 +0,0 @@\n"
        "-a: 1\n"
        "-b: 2\n"
        "\\ No newline at end of file\n"
    )
    write_outcome(tmp_path, outcome)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.yaml"]


def test_no_diagnostics_no_changes(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"\xef\xbb\xbfa: 1\r\n")
    outcome = FakeLinter(tmp_path).run()
    assert outcome == FixOutcome({}, (), (), (), False)
    write_outcome(tmp_path, outcome)
    assert (tmp_path / "a.yaml").read_bytes() == b"\xef\xbb\xbfa: 1\r\n"


def test_retry_after_a_failed_batch_never_uses_stale_offsets() -> None:
    """Three fixes on one file; the third introduces a new finding, so the batch fails and
    the fixes are retried one by one. Once the first is committed, the second's offsets are
    stale: it must wait for a fresh diagnostic instead of editing the wrong bytes."""
    original = b"aaa\nbbb\nccc\n"

    def lint(overlay: Mapping[str, bytes | None]) -> list[Diagnostic]:
        text = (overlay.get("a.txt") or original).decode()
        found = []

        def diag(rule: str, message: str, start: int, end: int, new: str) -> Diagnostic:
            fix = Fix((Edit("a.txt", start, end, new),), Safety.SAFE, f"fix {rule}")
            return Diagnostic(rule, "a.txt", 1, 1, message, fix=fix)

        if not text.startswith("X"):
            found.append(diag("R1", "no X", 0, 0, "X"))
        if "ccc" in text:
            at = text.index("ccc")
            found.append(diag("R2", "lower ccc", at, at + 3, "CCC"))
        if "bbb" in text:
            at = text.index("bbb")
            found.append(diag("R3", "bbb", at, at + 3, "zzz"))
        if "zzz" in text:
            found.append(Diagnostic("R4", "a.txt", 1, 1, "zzz"))
        return found

    outcome = run_fixes(lint({}), lint, lambda path: original, unsafe=False)
    assert outcome.changes == {"a.txt": (original, b"Xaaa\nbbb\nCCC\n")}
    assert [d.rule for d in outcome.fixed] == ["R1", "R2"]
    assert [(d.rule, reason) for d, reason in outcome.failed] == [
        ("R3", "it introduces: R4 a.txt: zzz")
    ]


def _word_lint(originals: Mapping[str, bytes]) -> tuple[list[int], Callable[..., list[Diagnostic]]]:
    """R1: a file saying `old` should say `new` (the fix of `spoil.txt` writes `bad` instead);
    R2: a file saying `bad`. Returns the count of lints and the linter."""
    calls = [0]

    def lint(overlay: Mapping[str, bytes | None]) -> list[Diagnostic]:
        calls[0] += 1
        found = []
        for path in sorted(originals):
            data = overlay.get(path, originals[path])
            assert data is not None
            text = data.decode()
            at = text.find("old")
            if at >= 0:
                new = "bad" if path == "spoil.txt" else "new"
                fix = Fix((Edit(path, at, at + 3, new),), Safety.SAFE, "say new")
                found.append(Diagnostic("R1", path, 1, at + 1, "says old", fix=fix))
            if "bad" in text:
                found.append(Diagnostic("R2", path, 1, 1, "says bad"))
        return found

    return calls, lint


def test_a_failed_batch_is_bisected_to_its_culprit() -> None:
    """Eight fixes, one of which introduces a finding: the batch fails; halving it commits the
    seven good fixes and refuses the bad one, the same files as trying each fix alone (ten
    lints), in eight lints."""
    names = ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "spoil.txt", "u.txt", "v.txt"]
    originals = {name: b"keep old words\n" for name in names}
    calls, lint = _word_lint(originals)

    outcome = run_fixes(lint(originals), lint, originals.__getitem__, unsafe=False)

    assert outcome.changes == {
        name: (b"keep old words\n", b"keep new words\n") for name in names if name != "spoil.txt"
    }
    assert [d.path for d in outcome.fixed] == [n for n in names if n != "spoil.txt"]
    assert [(d.path, reason) for d, reason in outcome.failed] == [
        ("spoil.txt", "it introduces: R2 spoil.txt: says bad")
    ]
    assert outcome.remaining == ()
    # the initial lint; the batch; the halves a-d (commits) and e-v; e+spoil; e; spoil; u+v
    assert calls[0] == 8


def test_a_part_committed_in_a_bisection_defers_the_fixes_of_its_files() -> None:
    """Three fixes on one file and the culprit in one batch: the first half (two fixes on the
    file) is committed, so the third fix on it waits for the next round and its fresh offsets
    while the culprit alone is refused."""
    originals = {"a.txt": b"old old old\n", "spoil.txt": b"old\n"}
    calls = [0]

    def lint(overlay: Mapping[str, bytes | None]) -> list[Diagnostic]:
        calls[0] += 1
        found = []
        for path in sorted(originals):
            data = overlay.get(path, originals[path])
            assert data is not None
            text = data.decode()
            for match in re.finditer("old", text):
                new = "bad" if path == "spoil.txt" else "new"
                fix = Fix((Edit(path, match.start(), match.end(), new),), Safety.SAFE, "new")
                message = f"old at {match.start()}"
                found.append(Diagnostic("R1", path, 1, match.start() + 1, message, fix=fix))
            if "bad" in text:
                found.append(Diagnostic("R2", path, 1, 1, "says bad"))
        return found

    outcome = run_fixes(lint(originals), lint, originals.__getitem__, unsafe=False)

    assert outcome.changes == {"a.txt": (b"old old old\n", b"new new new\n")}
    assert [d.message for d in outcome.fixed] == ["old at 0", "old at 4", "old at 8"]
    assert [(d.path, reason) for d, reason in outcome.failed] == [
        ("spoil.txt", "it introduces: R2 spoil.txt: says bad")
    ]
    # the initial lint; the batch; the first half (commits); the culprit; the second round
    assert calls[0] == 5


def test_when_every_fix_of_a_failed_batch_fails_each_is_refused_with_its_reason() -> None:
    originals = {f"spoil{i}.txt": b"old\n" for i in range(4)}

    def lint(overlay: Mapping[str, bytes | None]) -> list[Diagnostic]:
        found = []
        for path in sorted(originals):
            text = (overlay.get(path) or originals[path]).decode()
            if "old" in text:
                fix = Fix((Edit(path, 0, 3, "bad"),), Safety.SAFE, "say bad")
                found.append(Diagnostic("R1", path, 1, 1, "says old", fix=fix))
            if "bad" in text:
                found.append(Diagnostic("R2", path, 1, 1, "says bad"))
        return found

    outcome = run_fixes(lint({}), lint, originals.__getitem__, unsafe=False)

    assert outcome.changes == {}
    assert [(d.path, reason) for d, reason in outcome.failed] == [
        (path, f"it introduces: R2 {path}: says bad") for path in originals
    ]
    assert outcome.remaining == ()  # the failed ones are reported as failed
