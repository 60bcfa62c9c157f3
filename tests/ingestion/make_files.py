"""Writes the fixture files in tests/ingestion/files/ (kept in the repository; rerun to rebuild)."""

import codecs
import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "files"
ROWS = [
    ("José Müller", "jose@example.com", "(206) 555-0100", "Career fair"),
    ("Zoë O'Brien", "zoe@example.com", "+44 20 7946 0958", "Referral"),
    ("Ana Lima", "ana@example.com", "", "Job board"),
]


def table(delimiter: str, header=("Name", "Email", "Phone", "Source"), rows=ROWS) -> str:
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    write("utf8_comma.csv", table(",").encode())
    write("utf8_bom_comma.csv", codecs.BOM_UTF8 + table(",").encode())
    write("utf8_bom_semicolon.csv", codecs.BOM_UTF8 + table(";").encode())
    write("utf8_pipe.csv", table("|").encode())
    write("utf8_tab.tsv", table("\t").encode())
    # Excel's "Unicode text": UTF-16 little endian with a BOM, tab separated.
    write("excel_unicode_text.txt", table("\t").encode("utf-16"))
    write("utf16_be_comma.csv", codecs.BOM_UTF16_BE + table(",").encode("utf-16-be"))
    # Excel in a European locale: Windows-1252 with semicolons; “smart quotes” and € are cp1252-only.
    write(
        "excel_cp1252_semicolon.csv",
        table(
            ";",
            header=("Candidate Name", "Email Address", "Phone Number", "Notes"),
            rows=[(*r[:3], "“Great” – 100€") for r in ROWS],
        ).encode("cp1252"),
    )
    # Bytes cp1252 leaves undefined (0x81) make it Latin-1.
    write("latin1_comma.csv", table(",").encode("latin-1").replace(b"Ana", b"An\x81a", 1))
    write(
        "quoted_newlines.csv",
        (
            b"name,email,notes\r\n"
            b'"Lee, Sam",sam@example.com,"line one\nline two"\r\n'
            b'Kim Park,kim@example.com,"She said ""hi"""\r\n'
        ),
    )
    write(
        "first_last.csv",
        (
            b"First Name,Last Name,E-mail,Mobile,LinkedIn\n"
            b"Ada,Lovelace,ada@example.com,2065550101,https://linkedin.com/in/ada\n"
            b"Alan,Turing,alan@example.com,,\n"
        ),
    )
    write(
        "invalid_rows.csv",
        (
            b"name,email,phone\n"
            b"Good Person,good@example.com,2065550102\n"
            b"No Email,,2065550103\n"
            b"Bad Email,not-an-email,\n"
            b",nameless@example.com,\n"
            b"Bad Phone,badphone@example.com,12345\n"
        ),
    )
    write(
        "duplicates.csv",
        (
            b"name,email\n"
            b"First Copy,dup@example.com\n"
            b"Second Copy,DUP@example.com\n"
            b"Someone Else,else@example.com\n"
        ),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    write("workbook.xlsx", buffer.getvalue())
    write("binary.bin", bytes(range(256)) * 4)
    write("empty.csv", b"")
    write("header_only.csv", b"name,email,phone\n")
    write("no_header.csv", b"Ada Lovelace,ada@example.com,2065550101\nAlan Turing,alan@example.com,\n")
    write("single_column.csv", b"name email phone\nAda Lovelace ada@example.com 2065550101\n")
    write(
        "messy.csv",
        codecs.BOM_UTF8
        + (
            b"Candidate Name;E-mail;Cell;Years\n"
            b"Ada Lovelace;ada@example.com;206-555-0101;5\n"
            b"Alan Turing;alan@example;;7\n"
            b"Grace Hopper;grace@example.com;(206) 555-0199;9\n"
            b"Grace H.;GRACE@example.com;;9\n"
        ),
    )


if __name__ == "__main__":
    main()
