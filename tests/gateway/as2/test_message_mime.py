"""The MIME layer keeps signed bytes exact: parts cut out unchanged, headers read as written."""

from __future__ import annotations

import pytest

from gateway.as2.errors import As2Error
from gateway.as2.message import MdnRequest, digest_name, pack
from gateway.as2.mime import (
    build_multipart,
    canonicalize,
    is_canonical,
    parse_entity,
    quote_as2_name,
    split_multipart,
    unquote_as2_name,
)


def test_parts_are_cut_out_byte_exact_with_crlf_or_lf_delimiters() -> None:
    first, second = b"Content-Type: text/plain\r\n\r\nline one\nline two\r\n", b"\r\nbody only"
    body = build_multipart([first, second], "b1")
    assert split_multipart(body, "b1") == [first, second]
    lf = b"preamble\n--b1\nA: 1\n\nx\n--b1\nB: 2\n\ny\n--b1--\nepilogue"
    assert split_multipart(lf, "b1") == [b"A: 1\n\nx", b"B: 2\n\ny"]


def test_a_boundary_inside_a_line_is_content() -> None:
    body = b"--b1\r\nA: 1\r\n\r\nsee --b1 here\r\nx--b1\r\n--b1--\r\n"
    assert split_multipart(body, "b1") == [b"A: 1\r\n\r\nsee --b1 here\r\nx--b1"]


@pytest.mark.parametrize("body", [b"no delimiter at all", b"--b1\r\nA: 1\r\n\r\nx\r\n--b1\r\nB: 2\r\n\r\ny"])
def test_a_multipart_without_its_delimiters_is_refused(body: bytes) -> None:
    with pytest.raises(As2Error) as raised:
        split_multipart(body, "b1")
    assert raised.value.disposition == "unexpected-processing-error"


def test_headers_unfold_and_the_body_stays_as_is() -> None:
    entity = parse_entity(b'Content-Type: multipart/signed;\r\n boundary="x y";\r\n\tmicalg=sha-256\r\n'
                          b"X-Other:  value \r\n\r\n\r\nbody\n")
    assert entity.header("content-type") == 'multipart/signed; boundary="x y"; micalg=sha-256'
    assert entity.param("boundary") == "x y" and entity.param("micalg") == "sha-256"
    assert entity.header("X-OTHER") == "value"
    assert entity.body == b"\r\nbody\n"
    assert parse_entity(b"A: 1\nB: 2\n\nlf body").body == b"lf body"


@pytest.mark.parametrize("data", [b" continuation first: x\r\n\r\n", b"not a header\r\n\r\nbody",
                                  b"Bad Name: x\r\n\r\n"])
def test_a_malformed_header_block_is_refused(data: bytes) -> None:
    with pytest.raises(As2Error, match=r"continuation|not a MIME header"):
        parse_entity(data)


def test_canonical_form() -> None:
    assert canonicalize(b"a\nb\r\nc\rd") == b"a\r\nb\r\nc\r\nd"
    assert is_canonical(b"a\r\nb") and not is_canonical(b"a\nb") and not is_canonical(b"a\rb")


@pytest.mark.parametrize(("name", "header"), [("B2BGW", "B2BGW"), ("Our Company", '"Our Company"'),
                                              ('Acme "East"', '"Acme \\"East\\""')])
def test_as2_names_quote_and_unquote(name: str, header: str) -> None:
    assert quote_as2_name(name) == header
    assert unquote_as2_name(header) == name


@pytest.mark.parametrize(("options", "digests"), [
    ("signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256, sha1",
     ("sha256", "sha1")),
    ("signed-receipt-protocol=required,pkcs7-signature; signed-receipt-micalg=required,SHA256", ("sha256",)),
    ("signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, md5", ("sha256",)),
    ("signed-receipt-micalg=optional, sha-512", ()),
    ("", ()),
])
def test_mdn_requests_read_from_headers(options: str, digests: tuple[str, ...]) -> None:
    request = MdnRequest.from_headers({"disposition-notification-to": "x@example",
                                       "Disposition-Notification-Options": options})
    assert request == MdnRequest(mode="sync", signed_digests=digests)
    assert MdnRequest.from_headers(request.to_headers()) == request
    assert MdnRequest.from_headers({}) == MdnRequest(mode="none")


def test_micalg_names() -> None:
    assert [digest_name(name) for name in ("sha-256", "SHA256", "sha1", "sha-1", "sha-512", "md5")] == [
        "sha256", "sha256", "sha1", "sha1", "sha512", None]


@pytest.mark.parametrize("field", ["subject", "filename", "content_type", "message_id"])
def test_pack_refuses_a_value_that_would_break_its_headers(field: str) -> None:
    arguments: dict[str, object] = {"content_type": "application/edi-x12", "as2_from": "B2BGW", "as2_to": "PARTNER",
                                    "signer": None, "encrypt_to": None, "mdn": MdnRequest(mode="none")}
    arguments[field] = 'x"\r\nBcc: someone'
    with pytest.raises(As2Error, match="cannot go in a header"):
        pack(b"ISA~", **arguments)  # type: ignore[arg-type]
