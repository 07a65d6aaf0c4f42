"""Progress reporting that suits both a terminal and a log file.

On a terminal (the stream is a TTY) :func:`progress` shows a ``tqdm`` bar. Anywhere else (a file, a pipe, a CI
log) a bar would write hundreds of carriage-return updates onto one line, so it prints a plain line instead each
time another ~10 % is done (or every ``every_seconds`` when the total is unknown or progress is slow), plus a final
line with the elapsed time::

    prepare-data: 1000/10000 (10%), 41.3 img/s, 24 s elapsed
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, Generic, TextIO, TypeVar

T = TypeVar("T")

# "bar" or "plain" forces a style whatever the stream is; "off" hides progress (useful in CI).
PROGRESS_ENV = "S2FGAN_PROGRESS"


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class PlainProgress(Generic[T]):
    """Newline-terminated progress lines, at most one per ``every_fraction`` of ``total`` or ``every_seconds``.

    Args:
        iterable: what to iterate over (or ``None`` and call :meth:`update` yourself).
        total: the number of steps; taken from ``len(iterable)`` when possible.
        desc: the prefix of each line. unit: the name of one step, used in the rate.
        stream: where lines go (default ``sys.stderr``).
        every_fraction: print when another this much of ``total`` is done.
        every_seconds: also print when this long has passed since the last line (and no line was due).
    """

    def __init__(
        self,
        iterable: Iterable[T] | None = None,
        total: int | None = None,
        desc: str = "",
        unit: str = "it",
        stream: TextIO | None = None,
        every_fraction: float = 0.1,
        every_seconds: float = 60.0,
    ) -> None:
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)  # type: ignore[arg-type]
        self.iterable, self.total, self.desc, self.unit = iterable, total, desc, unit
        self.stream = stream if stream is not None else sys.stderr
        self.every_fraction, self.every_seconds = every_fraction, every_seconds
        self.n = 0
        self._started = self._last_time = time.monotonic()
        self._next_fraction = every_fraction
        self._closed = False

    def _line(self, done: bool = False) -> str:
        elapsed = time.monotonic() - self._started
        if self.total is None:
            count = f"{self.n}"
        else:
            count = f"{self.n}/{self.total} ({100 * self.n / self.total if self.total else 100:.0f}%)"
        rate = f", {self.n / elapsed:.1f} {self.unit}/s" if elapsed > 0 and self.n else ""
        tail = f"done in {elapsed:.0f} s" if done else f"{elapsed:.0f} s elapsed"
        prefix = f"{self.desc}: " if self.desc else ""
        return f"{prefix}{count}{rate}, {tail}"

    def _print(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def update(self, n: int = 1) -> None:
        """Record ``n`` more steps done; print a line if one is due."""
        self.n += n
        now = time.monotonic()
        due = now - self._last_time >= self.every_seconds
        if self.total:
            fraction = self.n / self.total
            if fraction >= self._next_fraction and self.n < self.total:
                due = True
                while self._next_fraction <= fraction:
                    self._next_fraction += self.every_fraction
        if due and not (self.total and self.n >= self.total):  # the final line comes from close()
            self._last_time = now
            self._print(self._line())

    def close(self) -> None:
        """Print the final line (once)."""
        if not self._closed:
            self._closed = True
            self._print(self._line(done=True))

    def __iter__(self) -> Iterator[T]:
        if self.iterable is None:
            raise TypeError("PlainProgress was made without an iterable; call update() instead")
        try:
            for item in self.iterable:
                yield item
                self.update()
        finally:
            self.close()

    def __enter__(self) -> PlainProgress[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _NoProgress(PlainProgress[T]):
    """Counts steps and prints nothing."""

    def _print(self, line: str) -> None:
        pass


def progress(
    iterable: Iterable[T] | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    enabled: bool = True,
    stream: TextIO | None = None,
    every_fraction: float = 0.1,
    every_seconds: float = 60.0,
) -> Any:
    """Wrap ``iterable`` (or make a counter to ``update()``) with progress fit for where the output goes.

    A ``tqdm`` bar when ``stream`` (default ``sys.stderr``) is a TTY, otherwise a :class:`PlainProgress` that
    prints a line per ``every_fraction`` of ``total`` or per ``every_seconds``; nothing when ``enabled`` is false.
    ``$S2FGAN_PROGRESS`` set to ``bar``, ``plain`` or ``off`` overrides the choice. The result is iterable (when
    given an iterable) and supports ``update(n)``, ``close()`` and ``with``.
    """
    stream = stream if stream is not None else sys.stderr
    style = os.environ.get(PROGRESS_ENV, "").strip().lower()
    if not enabled or style == "off":
        return _NoProgress(iterable, total=total, desc=desc, unit=unit, stream=stream)
    if style == "bar" or (style != "plain" and _is_tty(stream)):
        from tqdm.auto import tqdm

        return tqdm(iterable, total=total, desc=desc, unit=unit, file=stream)
    return PlainProgress(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        stream=stream,
        every_fraction=every_fraction,
        every_seconds=every_seconds,
    )
