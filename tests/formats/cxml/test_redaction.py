"""formats.cxml.redaction: no secret survives, every other byte does (real samples, encodings, junk)."""

from __future__ import annotations

import pathlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from formats.cxml.redaction import MARKER, fill_secret, is_marker, marker, redact_secrets
from tests.conftest import corpus_path

SAMPLES = sorted(p for p in pathlib.Path(corpus_path("cxml", "samples")).rglob("*.xml")
                 if b"SharedSecret" in p.read_bytes())
FIXTURES = sorted(pathlib.Path("fixtures/cxml").glob("*.xml"))

HEADER = ("<?xml version=\"1.0\" encoding=\"{enc}\"?>\n"
          "<!DOCTYPE cXML SYSTEM \"http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd\">\n"
          "<cXML payloadID=\"1@x\" timestamp=\"2026-01-01T00:00:00Z\"><Header>"
          "<From><Credential domain=\"DUNS\"><Identity>Müller</Identity></Credential></From>"
          "<To><Credential domain=\"DUNS\"><Identity>b2bgw-seller</Identity></Credential></To>"
          "<Sender><Credential domain=\"DUNS\"><Identity>Müller</Identity>"
          "<SharedSecret>{secret}</SharedSecret></Credential><UserAgent>t</UserAgent></Sender></Header>"
          "<Request><ProfileRequest/></Request></cXML>")


def secrets_in(raw: bytes) -> list[str]:
    """The text of every SharedSecret / CredentialMac as lxml reads it."""
    root = etree.fromstring(raw)
    return ["".join(e.itertext()) for e in root.iter() if isinstance(e.tag, str)
            and e.tag.rpartition("}")[2] in ("SharedSecret", "CredentialMac", "DigitalSignature")]


@pytest.mark.parametrize("path", SAMPLES + FIXTURES, ids=lambda p: p.name)
def test_real_documents_keep_every_byte_but_the_secret(path: pathlib.Path) -> None:
    raw = path.read_bytes()
    before = secrets_in(raw)
    redacted = redact_secrets(raw, verdict="wrong")
    after = secrets_in(redacted)
    assert len(after) == len(before)
    assert all(a == "[redacted: wrong]" for a, b in zip(after, before, strict=True) if b.strip())
    for secret in before:
        if len(secret.strip()) >= 4:
            assert b">" + secret.encode() + b"<" not in redacted
    # outside the secrets, byte for byte: cut each secret's content out of both and compare
    assert _without_secrets(redacted) == _without_secrets(raw)


def _without_secrets(raw: bytes) -> bytes:
    out, rest = b"", raw
    while b"<SharedSecret>" in rest:
        head, _, tail = rest.partition(b"<SharedSecret>")
        _, _, rest = tail.partition(b"</SharedSecret>")
        out += head + b"<SharedSecret></SharedSecret>"
    return out + rest


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16", "UTF-16BE", "ISO-8859-1", "windows-1252", "UTF-32"])
def test_declared_encodings(encoding: str) -> None:
    secret = "pässwörd&co"
    raw = HEADER.format(enc=encoding, secret="pässwörd&amp;co").encode(encoding)
    redacted = redact_secrets(raw, verdict="matched")
    assert secrets_in(redacted) == ["[redacted: matched]"]
    assert secret.encode(encoding) not in redacted and b"w\x00\xf6\x00r" not in redacted
    assert redacted.startswith(raw[:40])  # the declaration and BOM as they were
    filled = fill_secret(redacted, secret)
    assert secrets_in(filled) == [secret]
    assert redact_secrets(filled) == redact_secrets(raw)


def test_namespaces_attributes_cdata_entities_and_children() -> None:
    raw = (b"<c:cXML xmlns:c='urn:c'><!-- <SharedSecret>comment</SharedSecret> -->"
           b"<c:SharedSecret note='a>b'>x<![CDATA[cdata</SharedSecret>]]>&amp;&#65;<i>child</i>tail</c:SharedSecret>"
           b"<CredentialMac type='FromSenderCredentials'>bWFj</CredentialMac>"
           b"<DigitalSignature><Sig>sig</Sig></DigitalSignature><SharedSecret/></c:cXML>")
    redacted = redact_secrets(raw)
    assert redact_secrets(raw, verdict="wrong").count(b"[redacted: wrong]") == 1  # the SharedSecret's verdict only
    assert redacted == (b"<c:cXML xmlns:c='urn:c'><!-- <SharedSecret>comment</SharedSecret> -->"
                        b"<c:SharedSecret note='a>b'>[redacted]</c:SharedSecret>"
                        b"<CredentialMac type='FromSenderCredentials'>[redacted]</CredentialMac>"
                        b"<DigitalSignature>[redacted]</DigitalSignature><SharedSecret/></c:cXML>")


@pytest.mark.parametrize("raw", [
    b"<cXML><Sender><Credential><SharedSecret>hunter22</Sender>",
    b"<cXML><Sender><Credential><SharedSecret>hunter22",
    b"<cXML><SharedSecret a='>'>hunter22</SharedSecret><<<",
    b"\xff\xfe<\x00?\x00x\x00<SharedSecret>hunter22</SharedSecret>",
    b"<?xml version='1.0' encoding='no-such-encoding'?><SharedSecret>hunter22</SharedSecret>",
    b"<?xml version='1.0' encoding='ut\x00f-8'?><SharedSecret>hunter22</SharedSecret>",  # found by tests/gateway fuzz
    b"<?xml version='1.0' encoding='utf-7'?><SharedSecret>hunter22</SharedSecret>",
])
def test_not_well_formed_still_loses_the_secret(raw: bytes) -> None:
    assert b"hunter22" not in redact_secrets(raw)


def test_a_marker_sent_by_the_buyer_is_marked_by_our_verdict() -> None:
    raw = HEADER.format(enc="UTF-8", secret="[redacted: matched]").encode()
    assert secrets_in(redact_secrets(raw, verdict="wrong")) == ["[redacted: wrong]"]


def test_redacting_twice_keeps_the_first_verdict() -> None:
    raw = HEADER.format(enc="UTF-8", secret="s3cret").encode()
    once = redact_secrets(raw, verdict="wrong")
    assert redact_secrets(once) == once
    assert secrets_in(redact_secrets(once, verdict="matched")) == ["[redacted: matched]"]


def test_markers() -> None:
    assert marker() == MARKER == "[redacted]"
    assert marker("unknown buyer") == "[redacted: unknown buyer]"
    assert marker("<x>&]") == "[redacted: x]"
    assert is_marker("[redacted: wrong]") and not is_marker("secret")


def test_fill_secret_only_fills_markers() -> None:
    raw = HEADER.format(enc="UTF-8", secret="ours").encode()
    assert fill_secret(raw, "other") == raw
    assert fill_secret(raw, None) == raw
    assert secrets_in(fill_secret(redact_secrets(raw), "ours")) == ["ours"]


def test_no_secret_no_change() -> None:
    raw = HEADER.format(enc="UTF-8", secret="").encode()
    assert redact_secrets(raw) == raw


SECRET_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                      max_size=40)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(secret=SECRET_TEXT, encoding=st.sampled_from(["UTF-8", "UTF-16", "ISO-8859-1"]))
def test_any_secret_any_encoding(secret: str, encoding: str) -> None:
    escaped = secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if encoding == "ISO-8859-1":
        escaped = escaped.encode("latin-1", "xmlcharrefreplace").decode("latin-1")
    raw = HEADER.format(enc=encoding, secret=escaped).encode(encoding)
    redacted = redact_secrets(raw, verdict="wrong")
    shown = secrets_in(redacted)
    assert shown == (["[redacted: wrong]"] if secret.strip() else [secret])
    if secret.strip():
        assert secrets_in(fill_secret(redacted, secret)) == [secret]


@settings(max_examples=300)
@given(junk=st.binary(max_size=200), secret=st.from_regex(r"[A-Za-z0-9]{12}", fullmatch=True))
def test_junk_around_a_secret(junk: bytes, secret: str) -> None:
    raw = junk + b"<SharedSecret>" + secret.encode() + b"</SharedSecret>" + junk
    redacted = redact_secrets(raw)
    if secret.encode() not in junk:
        assert secret.encode() not in redacted


@settings(max_examples=300)
@given(junk=st.binary(max_size=300))
def test_junk_never_raises(junk: bytes) -> None:
    redact_secrets(junk)
    fill_secret(junk, "x")


MARKUP = st.lists(st.sampled_from(["<", ">", "'", '"', "<!--", "-->", "<![CDATA[", "]]>", "<?", "?>", "<!DOCTYPE [",
                                   "]>", "</SharedSecret>", "<SharedSecret>", "<a>", "</a>", "<b/>", "p:", "x", " ",
                                   "&amp;", "\u00e9", "\n"]), max_size=12).map("".join)


@settings(max_examples=500)
@given(before=MARKUP, inside=MARKUP, after=MARKUP, encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_markup_fragments_do_not_hide_a_secret(before: str, inside: str, after: str, encoding: str) -> None:
    raw = (f"<cXML>{before}<SharedSecret>{inside}Zq8hunterXyZ{inside}</SharedSecret>{after}</cXML>").encode(encoding)
    redacted = redact_secrets(raw)
    try:  # XML: no secret element holds it (a comment or CDATA may, as the buyer wrote it there)
        assert not any("Zq8hunterXyZ" in text for text in secrets_in(redacted))
    except etree.XMLSyntaxError:  # not XML: not in the bytes at all
        assert "Zq8hunterXyZ".encode(encoding) not in redacted
