"""Reading a CSV the dashboard sends (core.csv_cells.csv_download), as a test sees it: a streamed
text/csv attachment that starts with the byte order mark Excel needs to read it as UTF-8."""

import csv
import io


def csv_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    return body.removeprefix("\ufeff")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_text(response))))


def csv_dicts(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text(response))))
