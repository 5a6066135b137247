"""Reading a user's CSV file into a table of strings, with one clear message per malformed file.

The file is checked with Python's ``csv`` module first, because pandas silently pads short rows
and turns an extra field into an index column; pandas then reads the checked text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gradlab.tabular.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
#: The largest CSV read: pandas needs several times a file's size in memory, so a table of 2 GiB
#: is already more than a laptop trains on; the bound stops a device or an endless pipe.
MAX_CSV_BYTES = 2 * 1024**3


@dataclass
class CsvTable:
    """A CSV file read as text: every cell a stripped string, and where each row came from.

    Parameters
    ----------
    frame : pandas.DataFrame
        One column per header name, every cell a ``str`` with surrounding spaces removed.
    lines : numpy.ndarray
        The file line (1-based) on which each data row starts.
    source : str
        The file name, used in messages.
    delimiter : str
        The field separator found in the file.
    typed : frozenset of str
        Columns whose cells were numbers before they became text (a DataFrame's numeric
        columns): written plainly, whatever the column's number format at training.
    """

    frame: pd.DataFrame
    lines: np.ndarray
    source: str
    delimiter: str = ","
    typed: frozenset[str] = frozenset()

    @property
    def columns(self) -> list[str]:
        """The column names, in file order."""
        return [str(name) for name in self.frame.columns]

    def where(self, position: int) -> str:
        """Name a data row for a message: ``"data row 3 (file line 4)"``.

        Parameters
        ----------
        position : int
            The 0-based position of the row in ``frame``.
        """
        if self.lines.size == 0:
            return f"data row {position + 1}"
        return f"data row {position + 1} (file line {int(self.lines[position])})"

    def take(self, positions: np.ndarray) -> CsvTable:
        """The table restricted to some rows (0-based positions), keeping their line numbers."""
        return CsvTable(
            self.frame.iloc[positions].reset_index(drop=True),
            self.lines[positions] if self.lines.size else self.lines,
            self.source,
            self.delimiter,
            self.typed,
        )


def _import_pandas() -> Any:
    try:
        import pandas
    except ImportError as error:
        raise DataError('reading CSV files needs pandas: pip install "gradlab[data]"') from error
    return pandas


def _read_text(path: Path) -> str:
    if not path.exists():
        raise DataError(f"no such file: {path}")
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a CSV file")
    try:
        raw = _read_bounded(path)
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        # utf-8-sig removes a byte order mark, which spreadsheets often write.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(
            f"{path} is not UTF-8 text (invalid byte on line {line}); save it as UTF-8"
        ) from error
    if not text.strip():
        raise DataError(f"{path} is empty: it needs a header line and at least one data row")
    return text


def _read_bounded(path: Path) -> bytes:
    """The file's bytes, read in chunks so that a device such as /dev/zero is refused at its
    first chunk (text holds no NUL bytes) and no file is read past `MAX_CSV_BYTES`. Pipes stay
    readable, for ``gradlab train <(zcat data.csv.gz)``."""
    chunks: list[bytes] = []
    total = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            if not chunks and chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise DataError(
                    f"{path} is UTF-16 text; save it as UTF-8 (CSV UTF-8) and try again"
                )
            if b"\x00" in chunk:
                raise DataError(f"{path} is not a text CSV file (it holds NUL bytes)")
            total += len(chunk)
            if total > MAX_CSV_BYTES:
                raise DataError(
                    f"{path} is larger than the {MAX_CSV_BYTES:,} bytes gradlab train reads; "
                    "train on a sample of its rows"
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _sniff_delimiter(text: str) -> str:
    header = text.splitlines()[0] if text.splitlines() else ""
    best, best_count = ",", 1
    for delimiter in DELIMITERS:
        try:
            fields = next(csv.reader([header], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        if len(fields) > best_count:
            best, best_count = delimiter, len(fields)
    return best


def _records(text: str, delimiter: str, source: str) -> tuple[list[str], list[int], int]:
    """Check the structure; return the header, the start line of each data row, the row count."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    starts: list[int] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if header is None:
                header = record
                continue
            if len(record) != len(header):
                raise DataError(
                    f"{source}: ragged row on line {start}: it has {len(record)} fields, "
                    f"the header has {len(header)}; fix that line (a stray "
                    f"{DELIMITERS[delimiter]} or a missing quote?)"
                )
            starts.append(start)
    except csv.Error as error:
        start = previous_end + 1
        if "end of data" in str(error) or "EOF" in str(error):
            raise DataError(
                f"{source}: unmatched quote: the field starting on line {start} is never "
                'closed; add the closing " or remove the stray one'
            ) from error
        raise DataError(f"{source}: malformed CSV on line {reader.line_num}: {error}") from error
    if header is None:
        raise DataError(f"{source} is empty: it needs a header line and at least one data row")
    return header, starts, len(starts)


def _check_header(header: list[str], source: str) -> list[str]:
    names = [name.strip() for name in header]
    for index, name in enumerate(names):
        if not name:
            raise DataError(f"{source}: column {index + 1} of the header has no name; name it")
        first = names.index(name)
        if first != index:
            raise DataError(
                f"{source}: the header names column {name!r} twice (columns {first + 1} and "
                f"{index + 1}); rename one"
            )
    return names


def read_csv(path: str | Path) -> CsvTable:
    """Read a CSV file into a `CsvTable` of stripped strings, or raise one clear `DataError`.

    Handles a byte order mark transparently, and a semicolon, tab or pipe delimiter (sniffed from
    the header line). Refuses a missing, unreadable, empty or header-only file, ragged rows (the
    line named), an unmatched quote (the line named), and duplicate or empty column names.

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file.

    Returns
    -------
    CsvTable
        The table; cells are strings, to be typed by `gradlab.tabular.preprocessing`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "data.csv"
    >>> _ = path.write_text("x;colour\\n1.5;red\\n2;blue\\n")
    >>> table = read_csv(path)
    >>> table.columns, table.delimiter, table.where(1)
    (['x', 'colour'], ';', 'data row 2 (file line 3)')
    """
    path = Path(path)
    source = path.name
    text = _read_text(path)
    delimiter = _sniff_delimiter(text)
    header, starts, n_rows = _records(text, delimiter, source)
    names = _check_header(header, source)
    if n_rows == 0:
        raise DataError(f"{source} has a header but no data rows; add at least one row")
    pandas = _import_pandas()
    frame = pandas.read_csv(
        io.StringIO(text, newline=""),
        sep=delimiter,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        index_col=False,
        skip_blank_lines=True,
        skipinitialspace=False,
    )
    if len(frame) != n_rows or frame.shape[1] != len(names):
        raise DataError(f"{source}: could not read the file consistently; check its quoting")
    frame.columns = names
    frame = frame.apply(lambda column: column.str.strip())
    return CsvTable(frame, np.asarray(starts, dtype=np.int64), source, delimiter)
