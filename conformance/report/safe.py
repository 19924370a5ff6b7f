"""Text that is safe to print: no control characters, no undecodable file-name bytes.

File names and messages come from the input (a file name may hold a newline or an ESC
sequence, a message may quote a value's raw bytes). Written raw, a newline forges report
lines and an escape sequence reaches the terminal; a file name that is not UTF-8 (held
as surrogate escapes, PEP 383) cannot be encoded at all. Every text output passes its
strings through ``printable``.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and lone surrogates (undecodable bytes of a file name)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    named = _NAMED.get(c)
    if named is not None:
        return named
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character and undecodable byte written as an escape
    (``\\n``, ``\\x1b``, ``\\xff``); ``keep_newlines`` leaves line breaks of multi-line
    bodies alone."""
    if keep_newlines:
        return "\n".join(printable(line) for line in text.split("\n"))
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text
