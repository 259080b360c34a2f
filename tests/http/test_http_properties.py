"""Arbitrary bytes fed to every reader: each returns or raises FormatError, nothing else, and ends.

Round trips check the msgpack reader against pip's own msgpack, and the URL keys against pip's
own CacheControl and requests.
"""

from __future__ import annotations

import gzip
import io
import math
import tarfile
import zipfile
from typing import Any

from _dists import sdist, wheel
from _httpcache import cc2, cc4
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pip._vendor import msgpack
from pip._vendor.cachecontrol.controller import CacheController
from pip._vendor.requests.utils import requote_uri

from pipcache_ext._http import mpack, pages, serial, sniff, tarread, urls, zipread
from pipcache_ext._http.source import FormatError, Inflater, Span, Window, bytes_reader

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def window(data: bytes) -> Window:
    return Window(bytes_reader(data), 0, len(data))


def returns_or_format_error(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except FormatError:
        return None


@SETTINGS
@given(st.binary(max_size=2048))
def test_msgpack_reader_takes_any_bytes(data: bytes) -> None:
    returns_or_format_error(mpack.unpack, bytes_reader(data), len(data))


values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.binary(max_size=300),
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=10), children, max_size=6)
    ),
    max_leaves=30,
)


@SETTINGS
@given(values)
def test_msgpack_reader_reads_what_pips_msgpack_writes(value: Any) -> None:
    packed = msgpack.packb(value, use_bin_type=True)
    got, end = mpack.unpack(bytes_reader(packed), len(packed), inline=1 << 20)
    assert end == len(packed)
    assert got == value or (isinstance(value, float) and math.isclose(got, value))


@SETTINGS
@given(st.binary(min_size=200, max_size=5000))
def test_large_bins_come_back_unread_as_spans(blob: bytes) -> None:
    packed = msgpack.packb({"body": blob, "after": 1}, use_bin_type=True)
    got, _end = mpack.unpack(bytes_reader(packed), len(packed), inline=100)
    span = got["body"]
    assert isinstance(span, Span)
    assert packed[span.offset : span.offset + span.length] == blob
    assert got["after"] == 1


@SETTINGS
@given(st.sampled_from([b"", b"cc=4,", b"cc=2,", b"cc=1,", b"cc=9,"]), st.binary(max_size=2048))
def test_entry_reader_takes_any_bytes(prefix: bytes, data: bytes) -> None:
    raw = prefix + data
    returns_or_format_error(serial.read_response, bytes_reader(raw), len(raw))


@SETTINGS
@given(st.binary(max_size=3000), st.binary(max_size=200))
def test_the_body_of_an_http_entry_is_found_from_its_first_bytes(body: bytes, noise: bytes) -> None:
    raw = cc4(200, {"Content-Type": "application/octet-stream"}, body)
    span = serial.body_span(bytes_reader(raw), len(raw))
    if body:  # pip's own msgpack, CacheControl's order: found, exactly
        assert span is not None
        assert raw[span.offset : span.offset + span.length] == body
    else:
        assert span is None  # nothing to name it by: the whole entry is read
    junk = b"cc=4," + noise
    found = serial.body_span(bytes_reader(junk), len(junk))
    assert found is None or found.offset + found.length <= len(junk)


@SETTINGS
@given(st.sampled_from(["cc=4", "cc=2"]), st.data())
def test_truncated_or_corrupted_entries_are_format_errors(serde: str, data: st.DataObject) -> None:
    writer = cc4 if serde == "cc=4" else cc2
    raw = bytearray(writer(200, {"Content-Type": "text/html"}, b"<a href='x-1.0.tar.gz'>x</a>"))
    cut = data.draw(st.integers(min_value=0, max_value=len(raw)))
    flips = data.draw(st.lists(st.integers(min_value=0, max_value=len(raw) - 1), max_size=4))
    for index in flips:
        raw[index] ^= 0xFF
    mangled = bytes(raw[:cut])
    returns_or_format_error(serial.read_response, bytes_reader(mangled), len(mangled))


@SETTINGS
@given(st.binary(max_size=4096))
def test_zip_reader_takes_any_bytes(data: bytes) -> None:
    body = window(data)
    for member in returns_or_format_error(zipread.members, body) or ():
        returns_or_format_error(zipread.read_member, body, member, 1 << 16)


def _mangled(data: bytes, draw: st.DataObject) -> bytes:
    raw = bytearray(data)
    for index in draw.draw(st.lists(st.integers(min_value=0, max_value=len(raw) - 1), max_size=6)):
        raw[index] = draw.draw(st.integers(min_value=0, max_value=255))
    cut = draw.draw(st.integers(min_value=0, max_value=len(raw)))
    return bytes(raw[:cut]) if draw.draw(st.booleans()) else bytes(raw)


@SETTINGS
@given(st.data())
def test_mangled_wheels_and_sdists_never_raise(draw: st.DataObject) -> None:
    original = draw.draw(st.sampled_from([wheel("six", "1.0").data, sdist("six", "1.0").data]))
    body = _mangled(original, draw)
    facts = sniff.describe(None, window(body))
    assert facts.kind in ("wheel", "sdist", "unknown")
    if facts.kind == "wheel":  # its METADATA's CRC-32 is checked: a mangled one is unknown
        assert facts.project == "six"
    # an sdist's gzip CRC is at the end of the archive, which is not read: not checked


@SETTINGS
@given(st.binary(max_size=4096))
def test_tar_reader_takes_any_bytes(data: bytes) -> None:
    returns_or_format_error(tarread.read_sdist, tarread.WindowStream(window(data)))
    gzipped = gzip.compress(data)
    stream = Inflater(window(gzipped), 1 << 20)
    returns_or_format_error(tarread.read_sdist, stream)


@SETTINGS
@given(st.binary(max_size=2048), st.integers(min_value=0, max_value=1 << 16))
def test_inflater_takes_any_bytes(data: bytes, cap: int) -> None:
    for wbits in (31, 15, -15, 47):
        stream = Inflater(window(data), cap, wbits)
        out = returns_or_format_error(stream.read_all)
        assert out is None or len(out) <= cap


@SETTINGS
@given(st.text(max_size=2000))
def test_page_parsers_take_any_text(text: str) -> None:
    for parse in (pages.parse_json_page, pages.parse_html_page):
        page = returns_or_format_error(parse, text)
        assert page is None or all(isinstance(href, str) for _name, href in page.links)
    pages.core_metadata(text.encode("utf-8", "surrogatepass"))


headers = st.fixed_dictionaries(
    {},
    optional={
        "content-type": st.sampled_from(
            ["text/html", "application/vnd.pypi.simple.v1+json", "application/octet-stream"]
        ),
        "content-encoding": st.sampled_from(["gzip", "deflate", "br", "identity"]),
        "location": st.text(max_size=30),
    },
)


@SETTINGS
@given(st.integers(min_value=100, max_value=599), headers, st.binary(max_size=3000))
def test_describe_takes_any_response(status: int, head: Any, body: bytes) -> None:
    response = serial.Response(status, dict(head), body or None, "cc=4")
    facts = sniff.describe(response, None)
    assert facts.kind in ("wheel", "sdist", "metadata", "index-page", "redirect", "unknown")
    gz = serial.Response(status, {**head, "content-encoding": "gzip"}, gzip.compress(body), "cc=4")
    sniff.describe(gz, None)


url_parts = st.text(alphabet="abcXYZ019-._~%+!$&'()*,;=:@/?#[] é", max_size=25)


@SETTINGS
@given(
    st.sampled_from(["https", "HTTP", "http"]),
    st.sampled_from(["Host.Example", "127.0.0.1:8443", "h"]),
    url_parts,
)
def test_keys_are_cachecontrols(scheme: str, host: str, rest: str) -> None:
    url = f"{scheme}://{host}/{rest}"
    assert urls.normalised(url) == CacheController._urlnorm(url)  # pip's own CacheControl
    assert urls._requote(url) == requote_uri(url)  # pip's own requests


names = st.text(alphabet="abc_.-/éMETADAdist-info", min_size=1, max_size=30)


@SETTINGS
@given(st.lists(names, min_size=1, max_size=8, unique=True), st.booleans())
def test_the_quick_member_search_finds_what_the_full_listing_finds(
    listed: Any, with_metadata: bool
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in listed:
            archive.writestr(name, name)
        if with_metadata:
            archive.writestr("x-1.dist-info/METADATA", "Name: x\nVersion: 1\n")
    body = window(buffer.getvalue())
    full = [
        m for m in zipread.members(body)
        if m.name.endswith(".dist-info/METADATA") and m.name.count("/") == 1
    ]  # fmt: skip
    quick = zipread.find_member(body, b".dist-info/METADATA")
    if quick is None:
        assert not [m for m in full if m.name.isascii()]
    else:
        assert quick in full


def test_a_stored_zip_member_and_a_zip64_archive_are_read() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("a_b-1.0.dist-info/METADATA", "Name: A.B\nVersion: 1.0\n\n")
    facts = sniff.describe(None, window(buffer.getvalue()))
    assert (facts.kind, facts.project, facts.version) == ("wheel", "a-b", "1.0")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        long_dir = "a" * 120 + "-2.0"
        info = tarfile.TarInfo(f"{long_dir}/PKG-INFO")
        data = b"Metadata-Version: 1.0\nName: Long\nVersion: 2.0\n"
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    facts = sniff.describe(None, window(buffer.getvalue()))  # an uncompressed tar, GNU long name
    assert (facts.kind, facts.project, facts.version) == ("sdist", "long", "2.0")
