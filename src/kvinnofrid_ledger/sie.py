"""SIE 4: the Swedish accounting programs' exchange format, written and read by the specification.

SIE-Gruppen, "SIE filformat, utgåva 4B" (30 September 2008). A file is lines of records, each a
label (`#VER`) and fields separated by spaces or tabs (§5.7); a field is quoted when it holds a
space, and a quote inside it is written `\\"`; control characters may not appear in text (§5.7);
the bytes are IBM PC code page 437 (§5.8, `#FORMAT PC8`); amounts have a point before at most two
öre digits and a leading minus (§5.9); dates are YYYYMMDD (§5.10). `#TRANS` rows follow their `#VER`
between lines holding only `{` and `}` (§5.4). `#KSUMMA` (§10) is the CRC-32 of every label and
field between the opening and the closing `#KSUMMA`, without separators, enclosing quotes or
braces, with `\\"` counted as `"`.

There is no well-kept SIE library on PyPI; this module is a small, complete writer of the records a
type 4I (import) file needs, and a reader of any SIE file, used by the tests and usable as a library.
The writer and the checksum work from the same records (`Record`), so that what is summed is by
construction what is written.
"""

from __future__ import annotations

import datetime
import unicodedata
import zlib
from dataclasses import field

from .frozen import frozen

ENCODING = "cp437"
"""§5.8: "Teckenrepertoaren i filen ska vara IBM PC 8-bitars extended ASCII (Codepage 437)"."""

# --- text: from Unicode to what a SIE field may hold --------------------------------------------

TRANSLITERATION: dict[str, str] = {
    # dashes and minus signs
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    # quotation marks (a straight " is then written \" like any other)
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2039": "<", "\u203a": ">",
    # other punctuation and symbols common in Swedish office text
    "\u2026": "...", "\u2022": "*", "\u00d7": "x", "\u20ac": "EUR", "\u2122": "(TM)", "\u00a9": "(c)", "\u00ae": "(R)",
    "\u00a7": "S.",  # § is not in code page 437
    # a backslash: §5.7 makes only \" an escape, so a backslash before a quote, or at the end of a
    # field, is read differently by different programs; written as a slash, it is read one way by all
    "\\": "/",
}
"""Characters that code page 437 cannot hold, or that a SIE field cannot carry, and what is written
instead. Then white space (tab, line breaks, the Unicode spaces) becomes one space; a letter with a
diacritic that CP437 lacks loses the diacritic (NFKD: "ł" stays, "ś" → "s", "ø" → "o" via the
table below); anything else is written as [U+XXXX], visibly, never as a wrong byte."""
TRANSLITERATION.update({"\u00f8": "o", "\u00d8": "O", "\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D"})

_SPACES = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029\u00a0\u1680\u180e\u2000\u2001\u2002\u2003\u2004"
                    "\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000")


def _encodable(char: str) -> bool:
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") or char == "\\":
        return False  # Python's cp437 maps 0x00–0x1F and 0x7F to the controls, which §5.7 forbids
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def sie_text(text: str) -> str:
    """`text` as a SIE field may hold it: code page 437, no control characters, no backslash.

    Why transliterate rather than refuse: the ledger is append-only, so a note that could not be
    exported could never be mended, and the books would stay closed to that ledger for good. Every
    substitution is listed in TRANSLITERATION (and README "Into the books"); the exact text stays in
    the ledger, under its hash.
    """
    out = []
    for char in text:
        if char in TRANSLITERATION:
            out.append(TRANSLITERATION[char])
        elif char in _SPACES:
            out.append(" ")
        elif _encodable(char):
            out.append(char)
        else:
            stripped = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            if stripped and stripped != char and all(_encodable(c) for c in stripped):
                out.append(stripped)
            else:
                out.append(f"[U+{ord(char):04X}]")
    return "".join(out)


def quote(text: str) -> str:
    """A quoted SIE field (§5.7). `text` must be as sie_text returns it: then `unquote` is exact."""
    if any(not _encodable(char) and char != " " for char in text):
        raise ValueError(f"not SIE text (pass it through sie_text first): {text!r}")
    return '"' + text.replace('"', '\\"') + '"'


def unquote(field_text: str) -> str:
    """The inverse of `quote`: the text of one quoted field as written in the file."""
    if len(field_text) < 2 or field_text[0] != '"' or field_text[-1] != '"':
        raise ValueError(f"not a quoted SIE field: {field_text!r}")
    fields = split_fields(field_text)
    if len(fields) != 1 or not isinstance(fields[0], str):
        raise ValueError(f"not one quoted SIE field: {field_text!r}")
    return fields[0]


# --- records --------------------------------------------------------------------------------------

ObjectList = tuple[str, ...]
"""The `{dimension object ...}` list of a #TRANS row, as pairs flattened: ("6", "rss", "20", "01")."""


@frozen
class Field:
    """One field as written: its text, and whether it is quoted (text always is; numbers never)."""

    text: str
    quoted: bool = False


@frozen
class Record:
    """One line of a SIE file: `#LABEL field field ...`; `rows` are a #VER's #TRANS records."""

    label: str
    fields: tuple[Field | ObjectList, ...] = ()
    rows: tuple[Record, ...] = ()


def text_field(text: str) -> Field:
    return Field(sie_text(text), quoted=True)


def amount_field(kronor: int) -> Field:
    """§5.9: a point before the öre, a leading minus. Whole kronor are written with ".00", which every
    reader takes (§5.9 also allows no decimals; the accounting programs' own files use both)."""
    if type(kronor) is not int:
        raise TypeError(f"an amount is whole kronor (int), got {type(kronor).__name__}")
    return Field(f"{kronor}.00")


def date_field(day: datetime.date) -> Field:
    return Field(day.strftime("%Y%m%d"))  # §5.10


def _render_field(item: Field | ObjectList) -> str:
    if isinstance(item, Field):
        return quote(item.text) if item.quoted else item.text
    return "{" + " ".join(quote(sie_text(part)) if i % 2 else part for i, part in enumerate(item)) + "}"


def render_record(record: Record) -> list[str]:
    lines = [" ".join([record.label, *map(_render_field, record.fields)])]
    if record.label == "#VER":
        lines.append("{")
        lines += ["\t" + line for row in record.rows for line in render_record(row)]
        lines.append("}")
    return lines


def checksum_bytes(record: Record) -> bytes:
    """What §10.14 sums of one record: the label and every field's text, without separators,
    quotes or braces, with \\" as ", in code page 437; then its rows."""
    parts = [record.label]
    for item in record.fields:
        parts += [item.text] if isinstance(item, Field) else [sie_text(part) for part in item]
    return "".join(parts).encode(ENCODING) + b"".join(checksum_bytes(row) for row in record.rows)


def ksumma(records: list[Record]) -> int:
    """§10: CRC-32 (polynomial EDB88320, preset and inverted: zlib's), unsigned, of the records."""
    crc = 0
    for record in records:
        crc = zlib.crc32(checksum_bytes(record), crc)
    return crc


def write_sie(head: list[Record], body: list[Record]) -> bytes:
    """A whole file: `#FLAGGA 0` and the opening `#KSUMMA`, the records, the closing `#KSUMMA`.

    Lines end in CR LF (§5.5 allows the CR; the programs these files go to run on Windows)."""
    lines = ["#FLAGGA 0", "#KSUMMA"]
    for record in [*head, *body]:
        lines += render_record(record)
    lines.append(f"#KSUMMA {ksumma([*head, *body])}")
    return ("\r\n".join(lines) + "\r\n").encode(ENCODING)


# --- reading ----------------------------------------------------------------------------------------


class SieError(ValueError):
    """A file this reader cannot take as SIE; the message names the line."""


def split_fields(line: str) -> list[str | list[str]]:
    """The fields of one line: plain or quoted text (unquoted, \\" read as "), or an object list
    `{...}` as a list of its fields. A backslash before anything else is itself (§5.7)."""
    fields: list[str | list[str]] = []
    stack: list[list] = [fields]
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if char in " \t":
            i += 1
        elif char == "{":
            inner: list[str] = []
            stack[-1].append(inner)
            stack.append(inner)
            i += 1
        elif char == "}" and len(stack) > 1:
            stack.pop()
            i += 1
        elif char == '"':
            i += 1
            text = []
            while True:
                if i >= n:
                    raise SieError(f"a quoted field is not closed: {line!r}")
                if line[i] == "\\" and i + 1 < n and line[i + 1] == '"':
                    text.append('"')
                    i += 2
                elif line[i] == '"':
                    i += 1
                    break
                else:
                    text.append(line[i])
                    i += 1
            stack[-1].append("".join(text))
        else:
            start = i
            while i < n and line[i] not in " \t" and not (line[i] in "{}" and i > start) and line[i] != '"':
                i += 1
            stack[-1].append(line[start:i])
    if len(stack) > 1:
        raise SieError(f"an object list is not closed: {line!r}")
    return fields


@frozen
class ReadRecord:
    label: str
    fields: tuple
    lineno: int
    rows: tuple[ReadRecord, ...] = ()


@frozen
class SieFile:
    """A file as read: its records in order (#VER with its rows), and the checksums."""

    records: tuple[ReadRecord, ...]
    declared_ksumma: int | None  # the closing #KSUMMA's value; None when the file has none
    computed_ksumma: int | None  # CRC-32 of what lies between the two #KSUMMA records
    has_opening_ksumma: bool = False

    def all(self, label: str) -> list[ReadRecord]:
        return [record for record in self.records if record.label == label]

    def first(self, label: str) -> ReadRecord | None:
        found = self.all(label)
        return found[0] if found else None


def _flat(fields) -> list[str]:
    out: list[str] = []
    for item in fields:
        out += _flat(item) if isinstance(item, list) else [item]
    return out


def read_sie(data: bytes) -> SieFile:
    """Parse SIE bytes (code page 437). Raises SieError for a record outside its place or a
    quoted field or object list left open; unknown labels are kept, as §7.1 asks."""
    text = data.decode(ENCODING)
    records: list[ReadRecord] = []
    crc = 0
    summing = False
    opening = False
    declared = None
    voucher: list | None = None  # [label, fields, lineno, rows] of an open #VER
    pending: ReadRecord | None = None  # a #VER waiting for its "{"
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r").strip(" \t")
        if not line:
            continue
        if line == "{":
            if pending is None:
                raise SieError(f"line {lineno}: '{{' without a #VER before it")
            voucher, pending = [pending, []], None
            continue
        if line == "}":
            if voucher is None:
                raise SieError(f"line {lineno}: '}}' without an open voucher")
            head, rows = voucher
            records.append(ReadRecord(head.label, head.fields, head.lineno, tuple(rows)))
            voucher = None
            continue
        if pending is not None:  # a #VER without rows
            records.append(pending)
            pending = None
        fields = split_fields(line)
        label = fields[0]
        if not isinstance(label, str) or not label.startswith("#"):
            raise SieError(f"line {lineno}: a record starts with a #LABEL, not {line[:20]!r}")
        label = label.upper()
        if label == "#KSUMMA":
            if len(fields) == 1 and not opening:
                opening = summing = True
            else:
                try:
                    declared = int(fields[1])
                except (IndexError, ValueError):
                    raise SieError(f"line {lineno}: #KSUMMA without a number") from None
                summing = False
            continue
        if summing:
            crc = zlib.crc32((label + "".join(_flat(fields[1:]))).encode(ENCODING), crc)
        record = ReadRecord(label, tuple(tuple(f) if isinstance(f, list) else f for f in fields[1:]), lineno)
        if voucher is not None:
            voucher[1].append(record)
        elif label == "#VER":
            pending = record
        else:
            records.append(record)
    if pending is not None:
        records.append(pending)
    if voucher is not None:
        raise SieError("the file ends inside a voucher (a '{' without its '}')")
    if opening and declared is None:
        raise SieError("the file opens a #KSUMMA but has no closing #KSUMMA: it is cut short (§10.6)")
    return SieFile(tuple(records), declared, crc if opening else None, opening)


def parse_amount(text: str) -> tuple[int, int]:
    """A §5.9 amount as (kronor, öre), exactly: "-1200.50" -> (-1200, -50)."""
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    whole, _, ore = digits.partition(".")
    if not whole.isdigit() or (ore and (not ore.isdigit() or len(ore) > 2)):
        raise SieError(f"not a SIE amount: {text!r}")
    value = int(whole) * 100 + int(ore.ljust(2, "0") or 0)
    value = -value if negative else value
    return (abs(value) // 100 * (-1 if negative else 1), abs(value) % 100 * (-1 if negative else 1))


def parse_date(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise SieError(f"not a SIE date (YYYYMMDD): {text!r}") from None


@frozen
class Transaction:
    account: str
    objects: dict[str, str]
    ore: int  # the amount in öre, exactly
    text: str = ""


@frozen
class Voucher:
    series: str
    number: str
    date: datetime.date
    text: str
    transactions: tuple[Transaction, ...] = field(default_factory=tuple)

    @property
    def balance(self) -> int:
        return sum(t.ore for t in self.transactions)


def vouchers(sie: SieFile) -> list[Voucher]:
    """Every #VER with its #TRANS rows (#RTRANS/#BTRANS are not written by this tool and are skipped)."""
    out = []
    for record in sie.all("#VER"):
        f = list(record.fields) + ["", "", "", ""]
        transactions = []
        for row in record.rows:
            if row.label != "#TRANS":
                continue
            cells = list(row.fields)
            objects_list = cells[1] if len(cells) > 1 and isinstance(cells[1], tuple) else ()
            rest = cells[2:] if len(cells) > 1 and isinstance(cells[1], tuple) else cells[1:]
            kronor, ore = parse_amount(rest[0])
            objects = dict(zip(objects_list[::2], objects_list[1::2]))
            transactions.append(Transaction(cells[0], objects, kronor * 100 + ore, rest[2] if len(rest) > 2 else ""))
        out.append(Voucher(f[0], f[1], parse_date(f[2]), f[3], tuple(transactions)))
    return out
