"""Reading uploaded candidate tables (CSV/TSV) streaming, with clear refusals for anything else."""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from dashboard.ingestion.storage import upload_storage

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
BLOCK = 64 * 1024
SAVE_AS_CSV = "Save it from your spreadsheet as “CSV UTF-8” (File › Save As) and upload that file."


class CsvError(ValueError):
    """The file cannot be read as a candidate table; the message says why and what to do."""


@dataclass(frozen=True)
class Table:
    """A stored upload we know how to read: its encoding, delimiter and header."""

    name: str  # in upload storage
    encoding: str
    delimiter: str
    header: tuple[str, ...]

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES[self.delimiter]

    def rows(self, max_rows: int) -> Iterator[tuple[int, list[str]]]:
        """(spreadsheet row number, cells padded or cut to the header) for each non-blank row."""
        for row in self.records(max_rows):
            yield row.number, row.cells

    def records(self, max_rows: int) -> Iterator["Row"]:
        """Each non-blank data row, its cells padded or cut to the header, and why it cannot be
        read as the header says when it has more cells than the header has columns.

        Raises CsvError on the row past `max_rows`, so a huge file stops early.
        """
        width = len(self.header)
        with _text(self) as text:
            taken: list[str] = []  # the lines the reader took for the row at hand
            reader = csv.reader(_lines(text, taken), delimiter=self.delimiter)
            number, count = 1, 0
            try:
                next(reader, None)  # the header
                taken.clear()
                for cells in reader:
                    number += 1
                    if not any(c.strip() for c in cells):
                        taken.clear()
                        continue
                    # open_table only samples the start of a BOM-marked file: a NUL further down
                    # would reach PostgreSQL, whose text columns cannot hold one.
                    if any("\x00" in c for c in cells):
                        raise CsvError(
                            f"Row {number} holds a NUL character, so this is not a plain text "
                            f"file. {SAVE_AS_CSV}"
                        )
                    count += 1
                    if count > max_rows:
                        raise CsvError(
                            f"The file has more than {max_rows:,} candidate rows, the most one import "
                            "takes. Split it into smaller files and import them one after another."
                        )
                    problem = ""
                    if len(cells) > width and any(c.strip() for c in cells[width:]):
                        problem = self._too_many_cells(number, cells, "".join(taken))
                    taken.clear()
                    yield Row(number, cells[:width] + [""] * (width - len(cells)), problem)
            except csv.Error as error:
                raise CsvError(f"Row {number + 1} could not be read ({error}). {SAVE_AS_CSV}") from None
            except UnicodeDecodeError:
                raise CsvError(f"Row {number + 1} is not valid {self.encoding} text. {SAVE_AS_CSV}") from None

    def _too_many_cells(self, number: int, cells: list[str], raw: str) -> str:
        """Cutting such a row to the header's width would shift its values into the wrong columns
        and report what that breaks ("bad email"): say what happened instead, with the line."""
        count = len(cells)
        while count > len(self.header) and not cells[count - 1].strip():
            count -= 1  # trailing empty cells (a spreadsheet's extra separators) do no harm
        name = self.delimiter_name
        return (
            f"Row {number} has {count} cells, the header has {len(self.header)}: a {name} inside "
            f"an unquoted value? The line reads “{shown_line(raw)}”. Put that value in double "
            f"quotes, or remove the {name}."
        )


class Row(NamedTuple):
    number: int  # in the spreadsheet: the header is row 1
    cells: list[str]
    problem: str = ""  # set when the row cannot be read as the header says


def _lines(text: Iterator[str], taken: list[str]) -> Iterator[str]:
    """The text's lines, each also appended to `taken`: the csv reader asks for exactly the lines
    of one record (several when a quoted value holds a line break), so `taken` holds the row as
    written until the caller clears it."""
    for line in text:
        taken.append(line)
        yield line


SHOWN_LINE_CHARS = 200


def shown_line(raw: str) -> str:
    """A line as read, for a message: its line break dropped, control characters (tabs too)
    written as escapes so they can be seen, cut to a length a page shows."""
    text = raw.rstrip("\r\n")
    escapes = {"\t": "\\t", "\r": "\\r", "\n": "\\n"}
    shown = "".join(
        escapes.get(ch) or (f"\\x{ord(ch):02x}" if ch < " " or ch == "\x7f" else ch)
        for ch in text[:SHOWN_LINE_CHARS]
    )
    return shown + "…" if len(text) > SHOWN_LINE_CHARS else shown


def _text(table: Table) -> io.TextIOWrapper:
    # newline="" lets the csv module see quoted line breaks inside fields as data.
    return io.TextIOWrapper(upload_storage().open(table.name, "rb"), encoding=table.encoding, newline="")


def open_table(name: str, max_columns: int | None = None) -> Table:
    """Check the stored file `name` and find how to read it; raise CsvError when it cannot be."""
    with upload_storage().open(name, "rb") as raw:
        head = raw.read(BLOCK)
    if not head.strip(b" \t\r\n\xef\xbb\xbf\xff\xfe\x00"):
        raise CsvError("The file is empty. Upload a CSV file with a header row and one candidate per row.")
    if head.startswith(b"PK\x03\x04"):
        raise CsvError("This is an Excel workbook (.xlsx) or another zip file, not CSV. " + SAVE_AS_CSV)
    if head.startswith((b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise CsvError(
            "This is not a text file (it looks like an old Excel file, a PDF or an image). " + SAVE_AS_CSV
        )
    encoding = _encoding(name, head)
    sample = _sample(name, encoding)
    if _looks_binary(sample):
        raise CsvError("This looks like a binary file, not text. " + SAVE_AS_CSV)
    delimiter, header = _sniff(sample)
    if not any(h.strip() for h in header):
        raise CsvError(
            "The first row is empty: the file needs a header row naming its columns, "
            "such as name,email,phone."
        )
    if len(header) < 2:
        shown = header[0][:80]
        raise CsvError(
            f"Only one column was found (the first row reads “{shown}”). Columns must be separated "
            "by commas, semicolons, tabs or pipes, with at least a name and an email column. " + SAVE_AS_CSV
        )
    if max_columns is not None and len(header) > max_columns:
        raise CsvError(
            f"The file has {_width(name, encoding, delimiter, len(header)):,} columns; an import "
            f"takes at most {max_columns:,}. Keep the "
            "name, email and phone columns and those you want sent as metadata, delete the others, "
            "and upload it again."
        )
    if any("@" in h for h in header):
        raise CsvError(
            "The first row looks like a candidate, not a header (it holds an email address). "
            "Add a header row naming the columns, such as name,email,phone."
        )
    return Table(name=name, encoding=encoding, delimiter=delimiter, header=_unique(header))


def _width(name: str, encoding: str, delimiter: str, sampled: int) -> int:
    """The first row's number of cells: the sample cuts a very wide row short."""
    with _text(Table(name=name, encoding=encoding, delimiter=delimiter, header=())) as text:
        try:
            return max(sampled, len(next(csv.reader(text, delimiter=delimiter), [])))
        except (csv.Error, UnicodeDecodeError):
            return sampled


def line_count(name: str) -> int:
    """Lines in the stored file, counted without decoding: an estimate of its rows for progress
    (a quoted line break inside a cell counts as one more)."""
    newlines = returns = 0
    with upload_storage().open(name, "rb") as raw:
        while block := raw.read(BLOCK):
            newlines += block.count(b"\n")
            returns += block.count(b"\r")
    return newlines or returns  # old Mac exports end lines with a bare \r


def _encoding(name: str, head: bytes) -> str:
    """UTF-16 by its BOM (Excel's "Unicode text"), else UTF-8 if all of it decodes, else cp1252."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if b"\x00" in head:
        raise CsvError("This looks like a binary file, not text (it holds NUL bytes). " + SAVE_AS_CSV)
    for encoding in ("utf-8", "cp1252"):
        if _decodes(name, encoding):
            return encoding
    return "latin-1"  # decodes any byte: the last resort for odd Windows exports


def _decodes(name: str, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with upload_storage().open(name, "rb") as raw:
        try:
            while block := raw.read(BLOCK):
                if b"\x00" in block:
                    raise CsvError(
                        "This looks like a binary file, not text (it holds NUL bytes). " + SAVE_AS_CSV
                    )
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _sample(name: str, encoding: str) -> str:
    table = Table(name=name, encoding=encoding, delimiter=",", header=())
    with _text(table) as text:
        try:
            return text.read(BLOCK)
        except UnicodeDecodeError:
            raise CsvError(f"The file is not valid {encoding} text. {SAVE_AS_CSV}") from None


def _looks_binary(sample: str) -> bool:
    control = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    return "\x00" in sample or control > max(2, len(sample) // 100)


def _sniff(sample: str) -> tuple[str, list[str]]:
    """The delimiter whose first rows have the most columns, the same in most rows."""
    best: tuple[tuple[int, int], str, list[str]] | None = None
    # The sample may end mid-row; only complete lines are judged. A line ends at \n or, in old
    # Mac exports, at a bare \r, which csv only accepts from a stream opened with newline="".
    end = max(sample.rfind("\n"), sample.rfind("\r"))
    lines = sample[: end + 1] if end >= 0 else sample
    for delimiter in DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(lines, newline=""), delimiter=delimiter)
            rows = [r for _, r in zip(range(50), reader, strict=False) if r]
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows if len(r) == width)
        score = (consistent * 2 >= len(rows) and width > 1, width)
        if best is None or score > best[0]:
            best = (score, delimiter, rows[0])
    if best is None:
        raise CsvError("The first row could not be read. " + SAVE_AS_CSV)
    return best[1], best[2]


def _unique(header: list[str]) -> tuple[str, ...]:
    """Blank headers get a position name; repeated ones a number, so each column has a key."""
    seen: dict[str, int] = {}
    result = []
    for n, raw in enumerate(header, start=1):
        name = raw.strip() or f"Column {n}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        result.append(name)
    return tuple(result)
