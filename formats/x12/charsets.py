"""The character set of an X12 interchange, and decoding it chunk by chunk.

ASC X12.6 (application control structure) defines the basic and extended character sets but not
their encoding: the bytes are whatever the partners agreed. In practice that is ASCII or UTF-8
(sometimes with a byte-order mark, as EDI.Net's samples have), Latin-1 from older systems, and
EBCDIC from mainframes (bots' ``850-ebcdic.x12``: ``ISA`` is ``C9 E2 C1`` in code page 037).

When the partner's charset is not configured, :class:`ChunkDecoder` guesses from the first bytes:
a UTF-8 byte-order mark means UTF-8, ``ISA`` in EBCDIC means cp037, anything else is read as
UTF-8 and, from the first byte that is not UTF-8 on, as Latin-1 (which decodes every byte, so a
sloppy partner's file is still read; :attr:`ChunkDecoder.charset` then says ``latin-1``).

>>> sniff_charset(b"\\xef\\xbb\\xbfISA*00")
'utf-8'
>>> sniff_charset(b"\\xc9\\xe2\\xc1\\\\")
'cp037'
>>> decoder = ChunkDecoder(None)
>>> decoder.decode(b"N1*ST*Caf\\xc3") + decoder.decode(b"\\xa9~")
'N1*ST*Café~'
>>> decoder.decode(b"N1*ST*Caf\\xe9~"), decoder.charset
('N1*ST*Café~', 'latin-1')
"""

from __future__ import annotations

import codecs

from formats.errors import Location, X12SyntaxError

UTF8_BOM = b"\xef\xbb\xbf"
EBCDIC_ISA = b"\xc9\xe2\xc1"  # "ISA" in EBCDIC code pages 037 and 500
EBCDIC_CODEC = "cp037"
# Blanks (space, CR, LF, HT in EBCDIC) a mainframe file may start with.
_EBCDIC_BLANKS = b"\x40\x0d\x25\x15\x05"
_ASCII_BLANKS = b" \t\r\n\x0b\x0c\x00"


def sniff_charset(prefix: bytes) -> str | None:
    """The charset the first bytes prove (``utf-8`` after a BOM, ``cp037`` for EBCDIC), else None."""
    if prefix.startswith(UTF8_BOM):
        return "utf-8"
    if prefix.lstrip(_EBCDIC_BLANKS).startswith(EBCDIC_ISA):
        return EBCDIC_CODEC
    return None


def carries_non_ascii(charset: str) -> bool:
    """Whether an interchange in ``charset`` holds characters beyond ASCII (Latin-1, UTF-8, EBCDIC 037).

    Its AN elements may then use them: the X12 extended character set is what the partners'
    encoding can carry. An ASCII interchange (or an unknown charset) keeps to the X12 sets.

    >>> carries_non_ascii("latin-1"), carries_non_ascii("UTF-8"), carries_non_ascii("us-ascii")
    (True, True, False)
    """
    try:
        return codecs.lookup(charset).name != "ascii"
    except LookupError:
        return False


def is_ebcdic_x12(prefix: bytes) -> bool:
    """Whether ``prefix`` starts (after EBCDIC blanks) with ``ISA`` in EBCDIC."""
    return prefix.lstrip(_EBCDIC_BLANKS).startswith(EBCDIC_ISA)


def strip_ascii_prefix(prefix: bytes) -> bytes:
    """``prefix`` without a UTF-8 byte-order mark and leading ASCII whitespace."""
    return prefix.removeprefix(UTF8_BOM).lstrip(_ASCII_BLANKS).removeprefix(UTF8_BOM)


class ChunkDecoder:
    """Decodes an interchange chunk by chunk, a character split across chunks included.

    With ``charset`` given, bytes that are not in it raise :class:`X12SyntaxError` with their
    byte offset. With ``charset=None``, call :meth:`decode` with the first chunk(s) as usual: the
    charset is sniffed from the first bytes, and UTF-8 falls back to Latin-1 for the rest.
    """

    def __init__(self, charset: str | None) -> None:
        self.explicit = charset is not None
        self.charset = charset or "utf-8"
        self._sniffed = charset is not None
        self._decoder = self._incremental(self.charset)
        self.bytes_fed = 0

    @staticmethod
    def _incremental(charset: str) -> codecs.IncrementalDecoder:
        try:
            return codecs.getincrementaldecoder(charset)(errors="strict")
        except LookupError as exc:
            raise X12SyntaxError(f"unknown character set {charset!r}") from exc

    def decode(self, chunk: bytes, final: bool = False) -> str:
        """The text of ``chunk``; bytes of a character cut at its end wait for the next call."""
        if not self._sniffed:
            self._sniffed = True
            sniffed = sniff_charset(chunk)
            if sniffed is not None and sniffed != self.charset:
                self.charset = sniffed
                self._decoder = self._incremental(sniffed)
        pending = self._decoder.getstate()[0]
        start = self.bytes_fed - len(pending)
        self.bytes_fed += len(chunk)
        try:
            return self._decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            data = pending + chunk
            good = _valid_prefix_length(data, self.charset)
            if self.explicit or self.charset != "utf-8":
                raise X12SyntaxError(
                    f"byte {data[good:good + 1]!r} is not {self.charset}: {exc.reason}",
                    Location(offset=start + good),
                ) from exc
            self.charset = "latin-1"
            self._decoder = self._incremental("latin-1")
            return data[:good].decode("utf-8") + data[good:].decode("latin-1")


def _valid_prefix_length(data: bytes, charset: str) -> int:
    """How many leading bytes of ``data`` decode in ``charset``."""
    try:
        data.decode(charset)
    except UnicodeDecodeError as exc:
        return exc.start
    return len(data)
