import codecs
import os
from pathlib import Path

import pytest

from vertice_lint.diagnostics import ParseFailure
from vertice_lint.source import decode, read_bytes


def test_utf8_bom_is_remembered_and_written_back() -> None:
    data = codecs.BOM_UTF8 + b"a: 1\r\n"
    text = decode(data)
    assert (text.text, text.bom, text.newline) == ("a: 1\r\n", True, "\r\n")
    assert text.encode() == data


def test_utf16_with_bom_round_trips() -> None:
    data = "a: é\n".encode("utf-16")
    text = decode(data)
    assert text.text == "a: é\n"
    assert text.encode() == data


def test_invalid_utf8_reports_line_and_column() -> None:
    with pytest.raises(ParseFailure) as err:
        decode(b"FROM python:3.11\nRUN echo \xff\n")
    assert (err.value.line, err.value.col) == (2, 10)
    assert err.value.message == "invalid utf-8 byte 0xff (not valid utf-8 text)"


def test_binary_is_refused() -> None:
    with pytest.raises(ParseFailure, match="binary file"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00")


def test_python_coding_cookie() -> None:
    assert decode(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", python=True).text.endswith("'é'\n")


def test_symlink_out_of_tree(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("a: 1\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "link.yaml").symlink_to(outside)
    with pytest.raises(ParseFailure, match="symlink points outside the repository"):
        read_bytes(root, "link.yaml")


def test_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    with pytest.raises(ParseFailure, match="symlink loop"):
        read_bytes(tmp_path, "a.yaml")


def test_symlink_inside_tree_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n")
    (tmp_path / "alias.yaml").symlink_to("real.yaml")
    assert read_bytes(tmp_path, "alias.yaml") == b"a: 1\n"


def test_huge_file_is_skipped_with_its_size(tmp_path: Path) -> None:
    with open(tmp_path / "big.yaml", "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(ParseFailure) as err:
        read_bytes(tmp_path, "big.yaml")
    assert err.value.message == "file is 50.0 MB, over the 10 MB limit: skipped"


def test_fifo_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    with pytest.raises(ParseFailure, match="not a regular file"):
        read_bytes(tmp_path, "pipe.yaml")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secret.yaml").write_text("a: 1\n")
    real_open = open

    def deny(path: object, *args: object, **kwargs: object) -> object:
        if str(path).endswith("secret.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", deny)
    with pytest.raises(ParseFailure, match="cannot read: Permission denied"):
        read_bytes(tmp_path, "secret.yaml")
