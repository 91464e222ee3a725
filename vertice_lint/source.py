"""Reading a file safely and decoding it while remembering how to write it back.

Everything here is about the bytes of one file: size and type limits, symlinks, encodings,
byte-order marks and line endings. A file that cannot be read becomes a `ParseFailure`
(reported as VL001); nothing raises past this module.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from vertice_lint.diagnostics import ParseFailure

MAX_FILE_BYTES = 10 * 1024 * 1024
_BINARY_SNIFF = 8192
_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


@dataclass(frozen=True)
class Text:
    """Decoded file content plus what is needed to encode it back byte for byte."""

    text: str
    encoding: str = "utf-8"
    bom: bool = False

    @property
    def newline(self) -> str:
        """The file's dominant line ending ("\\r\\n" or "\\n")."""
        crlf = self.text.count("\r\n")
        return "\r\n" if crlf and crlf >= self.text.count("\n") - crlf else "\n"

    def encode(self, text: str | None = None) -> bytes:
        body = (self.text if text is None else text).encode(self.encoding)
        if not self.bom:
            return body
        if self.encoding == "utf-8":
            return codecs.BOM_UTF8 + body
        return body  # utf-16 writes its own BOM


def _python_coding(data: bytes) -> str | None:
    for line in data.split(b"\n", 2)[:2]:
        match = _CODING_RE.match(line)
        if match:
            return match.group(1).decode("ascii", "replace")
    return None


def decode(data: bytes, *, python: bool = False) -> Text:
    """Decode a file's bytes: UTF-8 (with or without BOM), UTF-16 with BOM, PEP 263 cookies."""
    if data.startswith(codecs.BOM_UTF8):
        body, encoding, bom = data[len(codecs.BOM_UTF8) :], "utf-8", True
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        body, encoding, bom = data, "utf-16", True
    else:
        body, encoding, bom = data, "utf-8", False
        if python:
            cookie = _python_coding(data)
            if cookie:
                try:
                    encoding = codecs.lookup(cookie).name
                except LookupError:
                    raise ParseFailure(f"unknown encoding {cookie!r} in coding cookie") from None
    if not bom and b"\x00" in body[:_BINARY_SNIFF]:
        raise ParseFailure("binary file (contains NUL bytes), not text")
    try:
        text = body.decode(encoding)
    except LookupError:  # `rot-13`, `base64`, `zlib`...: codecs that are not text encodings
        raise ParseFailure(f"coding {encoding!r} is not a text encoding") from None
    except UnicodeDecodeError as exc:
        before = body[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ParseFailure(
            f"invalid {encoding} byte 0x{body[exc.start]:02x} (not valid {encoding} text)",
            line,
            col,
        ) from None
    except (UnicodeError, ValueError) as exc:  # a codec's own failure (punycode, idna...)
        raise ParseFailure(f"not valid {encoding} text: {exc}") from None
    if encoding not in ("utf-8", "utf-16") and _reencoded(text, encoding) != body:
        # `unicode_escape`, `raw_unicode_escape`, `punycode`...: the text does not write back
        # to the bytes it was read from, so no fix could keep the file as it is
        raise ParseFailure(
            f"coding {encoding!r} does not read back to the same bytes: not read, never rewritten"
        )
    if encoding == "utf-16" and text.startswith("\ufeff"):
        text = text[1:]
    return Text(text=text, encoding=encoding, bom=bom)


def _reencoded(text: str, encoding: str) -> bytes | None:
    try:
        return text.encode(encoding)
    except (UnicodeError, LookupError):
        return None


def read_bytes(root: Path, relpath: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a file of the tree, refusing what a linter must not follow or load."""
    path = root / relpath
    try:
        st = path.lstat()
    except OSError as exc:
        raise ParseFailure(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        try:
            target = path.resolve(strict=True)
        except RuntimeError:
            raise ParseFailure("symlink loop: the link never reaches a file") from None
        except OSError as exc:
            reason = "symlink loop" if exc.errno == 40 else "dangling symlink"
            raise ParseFailure(f"{reason}: {os.readlink(path)}") from None
        if not target.is_relative_to(root.resolve()):
            raise ParseFailure(f"symlink points outside the repository: {os.readlink(path)}")
        st = target.stat()
    if not stat.S_ISREG(st.st_mode):
        raise ParseFailure("not a regular file")
    if st.st_size > max_bytes:
        raise ParseFailure(
            f"file is {st.st_size / 1024 / 1024:.1f} MB, over the {max_bytes // 1024 // 1024} MB"
            " limit: skipped"
        )
    try:
        with open(path, "rb") as handle:
            return handle.read(max_bytes + 1)
    except OSError as exc:
        raise ParseFailure(f"cannot read: {exc.strerror or exc}") from None
