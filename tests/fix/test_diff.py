"""The --diff output: git style, 3 lines of context, deterministic order."""

from __future__ import annotations

from vertice_lint.fix.diff import unified_diff


def test_unified_diff_of_a_change() -> None:
    old = b"".join(f"l{n}\n".encode() for n in range(1, 10))
    new = old.replace(b"l5\n", b"l5 changed\n")
    changes = {"z.yaml": (old, new), "a.yaml": (b"same\n", b"same\n")}
    assert unified_diff(changes, lambda p: "repo/" + p) == (
        "--- a/repo/z.yaml\n"
        "+++ b/repo/z.yaml\n"
        "@@ -2,7 +2,7 @@\n"
        " l2\n l3\n l4\n"
        "-l5\n"
        "+l5 changed\n"
        " l6\n l7\n l8\n"
    )


def test_files_come_in_path_order_and_binary_is_named() -> None:
    changes = {"b.txt": (b"x\n", b"y\n"), "a.bin": (b"\x00\x01", b"\x00\x02")}
    assert unified_diff(changes, lambda p: p) == (
        "Binary files a/a.bin and b/a.bin differ\n--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-x\n+y\n"
    )
