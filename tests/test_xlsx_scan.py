"""The sheet scan's handlers against an element tree of the same XML: the used range and every cell note
agree on ordinary sheets and on XML no spreadsheet writes but a hand or a tool might."""

from __future__ import annotations

import io
from xml.etree.ElementTree import ParseError, iterparse

import pytest

from stomkpi.xlsx_scan import _MAIN, _REF, SheetScan, _cell_name, _column_number, _scan

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def reference(fh) -> SheetScan:
    """The scan as an element tree sees the sheet (the oracle): each <c> at its end, its first <v> child's text."""
    scan = SheetScan()
    for _, el in iterparse(fh):
        if el.tag != f"{_MAIN}c":
            if el.tag == f"{_MAIN}row":
                el.clear()
            continue
        m = _REF.fullmatch(el.get("r", ""))
        if m:
            col, row = _column_number(m.group(1)), int(m.group(2))
            scan.rows, scan.columns = max(scan.rows, row), max(scan.columns, col)
            value = el.find(f"{_MAIN}v")
            if el.get("t") == "e":
                text = value.text if value is not None else "ошибка"
                scan.notes[(row, col - 1)] = f"в ячейке ошибка формулы «{text}»: нужно значение"
            elif el.find(f"{_MAIN}f") is not None and (value is None or value.text is None):
                scan.notes[(row, col - 1)] = ("формула без сохранённого значения: откройте книгу в Excel и сохраните "
                                              "её или впишите значение вместо формулы")
        el.clear()
    scan.last_cell = _cell_name(scan.rows, scan.columns)
    return scan


def sheet(cells: str, head: str = "", root: str = f'<worksheet xmlns="{NS}">') -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>{head}{root}<sheetData><row r="1">{cells}</row></sheetData></worksheet>'.encode()


CELLS = {
    "numbers": '<c r="A1"><v>1</v></c><c r="B1" s="2"><v>2.5</v></c><c r="C7"/>',
    "shared and inline strings, rich text": ('<c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><r><rPr><b/></rPr>'
                                             '<t>Жир</t></r><r><t xml:space="preserve"> ный</t></r></is></c>'),
    "booleans, dates, text with entities": ('<c r="A1" t="b"><v>1</v></c><c r="B1" t="d"><v>2025-12-31T00:00:00</v></c>'
                                            '<c r="C1" t="str"><v>&lt;&amp;&gt; &#1046; &quot;x&quot;</v></c>'),
    "error cells": '<c r="A1" t="e"><v>#DIV/0!</v></c><c r="B2" t="e"/><c r="C3" t="e"><v/></c><c r="D4" t="e"><v></v></c>',
    "error text split by entities and a comment": '<c r="A1" t="e"><v>#N&amp;A<!-- x -->!</v></c>',
    "error text split by a processing instruction": '<c r="A1" t="e"><v>#N<?pi x?>/A</v></c><c r="B1" t="e"><v><?pi?></v></c>',
    "error text in CDATA": '<c r="A1" t="e"><v><![CDATA[#REF!]]></v></c>',
    "error text up to the first child of v": '<c r="A1" t="e"><v>#N/A<x/>tail</v></c><c r="B1" t="e"><v><x/>tail</v></c>',
    "whitespace is text": '<c r="A1" t="e"><v> </v></c><c r="B1"><f>1+1</f><v>\n</v></c>',
    "formulas": ('<c r="A1"><f>1/0</f></c><c r="B1"><f>1+1</f><v>2</v></c><c r="C1"><f>1</f><v/></c>'
                 '<c r="D1"><v>3</v><f>1</f></c><c r="E1"><f/><v></v></c><c r="F1"><f t="shared" si="0"/></c>'),
    "only the first v counts": '<c r="A1" t="e"><v/><v>#N/A</v></c><c r="B1"><f>1</f><v/><v>1</v></c>',
    "v and f deeper than a child do not count": ('<c r="A1" t="e"><is><v>#N/A</v></is></c>'
                                                 '<c r="B1"><x><f>1</f></x></c><c r="C1"><f>1</f><x><v>1</v></x></c>'),
    "a cell inside a cell": '<c r="A1" t="e"><c r="B5"><f>1</f></c><v>#N/A</v></c>',
    "the same address twice": '<c r="A1" t="e"><v>#N/A</v></c><c r="A1"><v>1</v></c><c r="B1"><f>1</f></c><c r="B1" t="e"/>',
    "odd addresses are skipped": ('<c r="a1"><f>1</f></c><c r="AAAA1"/><c r="A"/><c r="1"/><c/><c r="A1 "/>'
                                  '<c r="&#65;&#51;"><f>1</f></c><c r="B\u0663"><f>1</f></c>'),
    "the last addresses": '<c r="XFD1048576"><v>1</v></c><c r="ZZZ9999999"/>',
    "other namespaces": (f'<x:c xmlns:x="{NS}" r="A9" t="e"><x:v>#N/A</x:v></x:c>'
                         '<c xmlns="urn:other" r="Z99" t="e"><v>#N/A</v></c>'
                         f'<c r="B1" t="e"><v xmlns="urn:other">#N/A</v></c><c r="C1" t="e" xmlns:y="urn:y" y:t="n"/>'),
    "rows inside cells": '<c r="A1" t="e"><row r="2"><v>x</v></row><v>#N/A</v></c>',
    "no cells": "",
}


@pytest.mark.parametrize("cells", list(CELLS.values()), ids=list(CELLS))
def test_scan_agrees_with_an_element_tree(cells):
    xml = sheet(cells)
    got, want = _scan(io.BytesIO(xml)), reference(io.BytesIO(xml))
    assert (got.rows, got.columns, got.last_cell) == (want.rows, want.columns, want.last_cell)
    assert list(got.notes.items()) == list(want.notes.items())


def test_scan_agrees_on_a_large_sheet_read_in_chunks():
    def cell(col: str, n: int) -> str:
        if col == "C":
            kind = ' t="e"' if n % 997 == 0 else ""
            return f'<c r="C{n}"{kind}><v>#N/A {"Ж" * (n % 50)}</v></c>'
        value = "<v>1</v>" if n % 3 else ""
        return f'<c r="{col}{n}"><f>1</f>{value}</c>'

    cells = "".join(cell(col, n) for n in range(1, 5000) for col in "ABC")
    xml = sheet(cells)
    got, want = _scan(io.BytesIO(xml)), reference(io.BytesIO(xml))
    assert (got.rows, got.columns, got.last_cell) == (want.rows, want.columns, want.last_cell) == (4999, 3, "C4999")
    assert list(got.notes.items()) == list(want.notes.items()) and len(got.notes) > 3000


def test_entities_of_a_dtd():
    internal = sheet('<c r="A1" t="e"><v>&e;</v></c>&cell;',
                     head=f'<!DOCTYPE worksheet [<!ENTITY e "#N/A"><!ENTITY cell \'<c xmlns="{NS}" r="D40" t="e"/>\'>]>')
    got, want = _scan(io.BytesIO(internal)), reference(io.BytesIO(internal))
    assert list(got.notes.items()) == list(want.notes.items()) and got.last_cell == want.last_cell == "D40"


@pytest.mark.parametrize("xml", [
    b"<worksheet><sheetData>",  # cut short
    b"not xml",
    sheet('<c r="A1" t="e"><v>&undefined;</v></c>'),
    sheet('<c r="A1" t="e"><v>&undefined;</v></c>', head='<!DOCTYPE worksheet SYSTEM "http://example.invalid/x.dtd">'),
], ids=["cut short", "not xml", "undefined entity", "undefined entity after an external DTD"])
def test_broken_xml_fails_as_for_an_element_tree(xml):
    with pytest.raises(ParseError):
        reference(io.BytesIO(xml))
    with pytest.raises(ParseError):
        _scan(io.BytesIO(xml))


def document(cells: str, root: str = f'<worksheet xmlns="{NS}">', head: str = '<?xml version="1.0" encoding="UTF-8"?>',
             encoding: str = "utf-8") -> bytes:
    return f"{head}{root}<sheetData><row r=\"1\">{cells}</row></sheetData></worksheet>".encode(encoding)


PLAIN = {  # sheets the plain scan reads
    "numbers and strings": document(CELLS["numbers"] + CELLS["shared and inline strings, rich text"]),
    "types and entities": document(CELLS["booleans, dates, text with entities"]),
    "the last addresses": document(CELLS["the last addresses"]),
    "no cells": document(""),
    "no declaration, a byte order mark": b"\xef\xbb\xbf" + document('<c r="B3"/>', head=""),
    "single quotes, spaces": document("<c  r = \"C9\" t='s' ><v>1</v></c>", root=f"<worksheet  xmlns = '{NS}' >"),
    "other namespaces on the root": document('<c r="A1"><x:y/></c>',
                                             root=f'<worksheet xmlns="{NS}" xmlns:x="urn:x" mc:Ignorable="x" '
                                                  'xmlns:mc="urn:mc">'),
    "markup in text": document('<c r="A1" t="inlineStr"><is><t>&lt;c r="Z99"&gt; &lt;f&gt; c&gt;</t></is></c>'),
}
NOT_PLAIN = {  # sheets it leaves to the parsed scan, which reads them as an element tree does
    "an error cell": document('<c r="A1" t="e"><v>#N/A</v></c>'),
    "a formula": document('<c r="A1"><f>1</f><v>1</v></c>'),
    "a formula elsewhere": document('<c r="A1"/>', root=f'<worksheet xmlns="{NS}"><x:f xmlns:x="urn:x"/>'),
    "what looks like a type in text": document('<c r="A1" t="inlineStr"><is><t> t="e"</t></is></c>'),
    "an odd type": document('<c r="A1" t="E"/><c r="B1" t="&#101;"/>'),
    "the address not first": document('<c s="1" r="D4"/><c r="A1"/>'),
    "the address quoted singly": document("<c r='D4'/>"),
    "the address with a reference": document('<c r="&#68;4"/><c r="A1"/>'),
    "an odd address": document('<c r="AAAA1"/><c r="A1"/><c r="A\u0663"/>'),
    "a cell without an address": document('<c/><c r="A1"/>'),
    "no namespace": document('<c r="A1"/>', root="<worksheet>"),
    "another default namespace": document('<c r="A1"/>', root='<worksheet xmlns="urn:other">'),
    "the namespace in an attribute's text": document('<c r="A1"/>', root=f"<worksheet a=\" xmlns='{NS}'\">"),
    "a second default namespace": document('<c r="A1"/><c r="Z9" xmlns="urn:other"/>'),
    "a prefixed cell": document(f'<x:c xmlns:x="{NS}" r="Z9"/><c r="A1"/>'),
    "a comment": document('<!-- <c r="Z9"/> --><c r="A1"/>'),
    "CDATA": document('<c r="A1" t="inlineStr"><is><t><![CDATA[<c r="Z9"/>]]></t></is></c>'),
    "a processing instruction": document('<?pi <c r="Z9"/>?><c r="A1"/>'),
    "a DTD": document('<c r="A1"/>&cell;', head=f'<!DOCTYPE worksheet [<!ENTITY cell \'<c xmlns="{NS}" r="Z9"/>\'>]>'),
    "another encoding": document('<c r="B2" t="inlineStr"><is><t>Ж</t></is></c>',
                                 head='<?xml version="1.0" encoding="windows-1251"?>', encoding="cp1251"),
    "UTF-16": document('<c r="B2"/>', head='<?xml version="1.0" encoding="UTF-16"?>', encoding="utf-16"),
    "UTF-16 without a byte order mark": document('<c r="B2"/>', head="", encoding="utf-16-le"),
}


@pytest.mark.parametrize("xml", list(PLAIN.values()) + list(NOT_PLAIN.values()), ids=list(PLAIN) + list(NOT_PLAIN))
def test_plain_scan_reads_only_what_it_reads_alike(xml):
    from stomkpi.xlsx_scan import _plain_scan

    want = reference(io.BytesIO(xml))
    plain = _plain_scan(xml)
    assert (plain is not None) == (xml in PLAIN.values())
    for got in (plain, _scan(io.BytesIO(xml))):
        if got is not None:
            assert (got.rows, got.columns, got.last_cell, got.notes) == (want.rows, want.columns, want.last_cell,
                                                                        want.notes)


def test_plain_scan_leaves_broken_xml_to_the_parsed_one():
    from stomkpi.xlsx_scan import _plain_scan

    xml = document('<c r="A1"/><c r="B1">')
    assert _plain_scan(xml) is None
    with pytest.raises(ParseError):
        _scan(io.BytesIO(xml))
