"""Error kinds and the exit codes the CLI maps them to.

The codes are a contract (README, `probgraph --help`): 0 success, 1 the data is invalid,
2 bad usage or unreadable input (or a local query over its time or memory limit), 3 a remote
endpoint failed, 130 interrupted.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_REMOTE = 3
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it


def first_line(text: object, default: str | None = None) -> str:
    """The first non-empty line of a message (libraries' errors can run over many lines).

    With no such line: `default`, or the name of the exception's class.
    """
    for line in str(text).strip().splitlines():
        if line.strip():
            return line.strip()
    return default if default is not None else type(text).__name__


# what must not reach a terminal raw: C0/C1 controls (escape sequences), bidi overrides, and the
# surrogates Python uses for bytes that are not UTF-8 (shown as the byte, \xff)
_UNPRINTABLE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
MAX_SHOWN = 200


def printable(text: str) -> str:
    """Text safe to print on a terminal: unprintable characters as \\xNN or \\uNNNN escapes."""
    if text.isprintable():  # every character _UNPRINTABLE names is one isprintable() refuses: nothing to escape
        return text
    import re  # only for text that needs it: `re` costs a warm query (a table's every cell) milliseconds

    def escape(m) -> str:
        o = ord(m.group())
        if 0xDC80 <= o <= 0xDCFF:
            return f"\\x{o - 0xDC00:02x}"
        return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"
    return re.sub(_UNPRINTABLE, escape, text)


def cut(text: str, limit: int = MAX_SHOWN) -> str:
    """A long value cut for a message, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def shown(value: str, limit: int = MAX_SHOWN) -> str:
    """A value someone typed or wrote, quoted for a message: escaped and cut."""
    return "'" + printable(cut(value, limit)) + "'"


class ProbgraphError(Exception):
    """An error with a message a person can act on and the exit code it maps to."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(ProbgraphError):
    """Bad arguments, unknown names, unreadable or malformed input (exit 2)."""

    exit_code = EXIT_USAGE


class InputSyntaxError(UsageError):
    """A file that does not parse; the message carries file, line and column."""

    def __init__(self, path: str, line: int | None, column: int | None, problem: str,
                 hint: str | None = None) -> None:
        where = path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {problem}", hint)
        self.path = path
        self.line = line
        self.column = column


class RemoteError(ProbgraphError):
    """A SPARQL endpoint or Graph Store could not be reached or refused the request (exit 3)."""

    exit_code = EXIT_REMOTE
