"""CSV export: RFC 4180 (minimal quoting, CRLF), UTF-8 with an optional BOM for Excel.

Every cell that a spreadsheet could read as a formula (leading ``=``, ``+``, ``-``, ``@``, tab
or CR) gets a leading apostrophe, so ``=HYPERLINK(...)`` stays text. NewMsgId is written as its
exact decimal string (never through a float); for spreadsheets (the BOM on, the default of the
CLI and the UI) as ``="9008843899058959155"``, the one spelling Excel and LibreOffice keep as
text: a bare 19-digit number is rounded to 15 significant digits. Tools: ``--no-bom``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from .common import Doc, content_text, direction, encode

COLUMNS = (
    "time_iso",
    "direction",
    "sender",
    "kind",
    "text",
    "new_msg_id",
    "seq",
    "msg_type",
    "session_id",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
_ID_COLUMN = COLUMNS.index("new_msg_id")


def guard(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def render(doc: Doc) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    head = (BOM if doc.csv_bom else "") + buffer.getvalue()
    yield encode(head)
    for batch in doc.batches():
        buffer.seek(0)
        buffer.truncate()
        for message in batch:
            row = (
                doc.when(message).isoformat(timespec="seconds"),
                direction(message),
                doc.sender(message),
                message.kind,
                content_text(message, doc.name_of),
                str(message.new_msg_id),
                str(message.seq),
                str(message.msg_type),
                message.session_id,
            )
            cells = [guard(cell) for cell in row]
            if doc.csv_bom:  # our own formula over digits only: nothing of the sender's in it
                cells[_ID_COLUMN] = f'="{message.new_msg_id}"'
            writer.writerow(cells)
        yield encode(buffer.getvalue())
