"""Signed documents and `haiyan statement verify`: each way a file can stop telling the
truth is named, and a clean file verifies (issue 17 §2)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject, TextStringObject

from haiyan_comp.signing.pdf import check_signature, printed_decimals
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import audit_htn, configure_2018, run


@pytest.fixture(autouse=True)
def _in_the_app(app: Flask) -> Iterator[None]:
    """Signing and checking use the app's key: each test runs inside the suite's app."""
    with app.app_context():
        yield


@pytest.fixture
def statement(runner: FlaskCliRunner, tmp_path: Path) -> Path:
    """HY01's settlement statement of the worked example (final 900.00), as issued."""
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner)
    run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json")
    path = tmp_path / "hy01.pdf"
    run(runner, "statement", "2018", "--institution", "HY01", "--out", str(path))
    return path


def verify(runner: FlaskCliRunner, path: Path) -> tuple[int, str]:
    result = runner.invoke(args=["statement", "verify", str(path)])
    return result.exit_code, result.output


def test_an_issued_statement_is_signed_and_verifies(
    runner: FlaskCliRunner, statement: Path
) -> None:
    assert check_signature(statement.read_bytes()).valid
    code, output = verify(runner, statement)
    assert code == 0, output
    assert output.count("\n") == 1, "one line says what holds"
    assert "signed by the county and unchanged since" in output
    assert "printed figures match the books" in output
    assert "embedded figures match the books" in output


def test_another_app_in_the_process_keeps_its_own_key(
    runner: FlaskCliRunner, statement: Path, database_url: str, tmp_path: Path
) -> None:
    """A second app built in the same process (a command beside a server, another test's
    app) with no key of its own leaves this app's statements signed."""
    from haiyan_comp.app import create_app

    other = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x"}, web=False)
    other.extensions["haiyan_db"]["engine"].dispose()
    code, output = verify(runner, statement)
    assert code == 0 and "signed by the county" in output, output


def _incremental(path: Path, change: object) -> bytes:
    """Apply `change(writer)` as an incremental update, as a PDF editor saves."""
    writer = PdfWriter(path, incremental=True)
    change(writer)  # type: ignore[operator]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_changed_printed_figure_is_named(
    runner: FlaskCliRunner, statement: Path, tmp_path: Path
) -> None:
    """900.00 printed as 900.01 by an incremental update of the page's content stream."""
    original = printed_decimals(statement.read_bytes())
    assert "900.00" in original

    def edit(writer: PdfWriter) -> None:
        for page in writer.pages:
            contents = page.get_contents()
            assert contents is not None
            data = contents.get_data()
            if b"900.00" in data:
                new = StreamObject()
                new.set_data(data.replace(b"900.00", b"900.01", 1))
                page[NameObject("/Contents")] = writer._add_object(new)
                return
        raise AssertionError("no page shows 900.00 as plain text")

    forged = tmp_path / "printed.pdf"
    forged.write_bytes(_incremental(statement, edit))
    code, output = verify(runner, forged)
    assert code == 1
    assert "signature broken" in output
    assert "printed figures changed: 900.01 printed where the books say 900.00" in output
    assert "embedded figures match the books" in output


def test_a_changed_embedded_figure_is_named(
    runner: FlaskCliRunner, statement: Path, tmp_path: Path
) -> None:
    reader = PdfReader(statement)
    subject = str(reader.metadata["/Subject"])  # type: ignore[index]
    mark, digest, payload = subject.rsplit(":", 2)
    figures = base64.b64decode(payload).decode().replace('"final":"900.00"', '"final":"901.00"')
    assert '"final":"901.00"' in figures

    def edit(writer: PdfWriter) -> None:
        forged = f"{mark}:{digest}:{base64.b64encode(figures.encode()).decode()}"
        writer.add_metadata({"/Subject": TextStringObject(forged)})

    forged = tmp_path / "embedded.pdf"
    forged.write_bytes(_incremental(statement, edit))
    code, output = verify(runner, forged)
    assert code == 1
    assert "embedded figures changed (they no longer match their own SHA-256)" in output
    assert "printed figures match the books" in output
    assert "signature broken" in output


def test_a_copy_saved_again_by_another_tool_is_the_same_statement(
    runner: FlaskCliRunner, statement: Path, tmp_path: Path
) -> None:
    writer = PdfWriter(clone_from=PdfReader(statement))  # a full rewrite, no change
    copy = tmp_path / "resaved.pdf"
    with copy.open("wb") as out:
        writer.write(out)
    assert copy.read_bytes() != statement.read_bytes()
    code, output = verify(runner, copy)
    assert code == 1
    assert "(HY-JS-2018-HY01)" in output or "(JS-2018-HY01)" in output
    assert "printed figures match the books" in output
    assert "embedded figures match the books" in output
    assert "signature broken" in output or "unsigned" in output


def test_a_stripped_signature_is_named(
    runner: FlaskCliRunner, statement: Path, tmp_path: Path
) -> None:
    """The file as it was before signing: every figure right, but not signed."""
    data = statement.read_bytes()
    unsigned = data[: data.index(b"%%EOF") + len(b"%%EOF")] + b"\n"
    stripped = tmp_path / "stripped.pdf"
    stripped.write_bytes(unsigned)
    code, output = verify(runner, stripped)
    assert code == 1
    assert "unsigned" in output
    assert "printed figures match the books" in output


def test_a_later_years_work_changes_nothing_of_a_settled_statement(
    runner: FlaskCliRunner, statement: Path, tmp_path: Path
) -> None:
    run(runner, "year", "configure", "2019", "--budget", "2000", "--unit-price", "10.00",
        "--prepay-ratio", "0.80", "--instalments", "4")  # fmt: skip
    code, output = verify(runner, statement)
    assert code == 0, output  # a later year's configuration changes nothing of 2018


def test_keys_create_show_and_import(runner: FlaskCliRunner, tmp_path: Path) -> None:
    from haiyan_comp.signing import keys, pdf

    app = runner.app
    before = app.extensions["haiyan_signing"]
    try:
        target = tmp_path / "k" / "county.p12"
        pdf.configure(target, None, app)
        created = runner.invoke(args=["keys", "create", "--subject", "测试县财政局"])
        assert created.exit_code == 0, created.output
        assert "测试县财政局" in created.output and target.stat().st_mode & 0o777 == 0o600
        again = runner.invoke(args=["keys", "create"])
        assert again.exit_code != 0 and "--force" in again.output
        issued = tmp_path / "issued.p12"
        keys.create(issued, "CA-issued", b"secret")
        imported = runner.invoke(
            args=["keys", "import", str(issued), "--force"], env={"HAIYAN_KEY_PASSWORD": "secret"}
        )
        assert imported.exit_code == 0, imported.output
        assert "CA-issued" in runner.invoke(args=["keys", "show"]).output
        wrong = runner.invoke(
            args=["keys", "import", str(issued), "--force"], env={"HAIYAN_KEY_PASSWORD": "nope"}
        )
        assert wrong.exit_code != 0 and "password" in wrong.output
    finally:
        pdf.configure(before.path, None, app)


def test_signing_works_inside_a_running_event_loop(app: Flask, statement: Path) -> None:
    """pyHanko's signing is asynchronous; a worker or a browser driver may already run an
    event loop on the thread that issues a document."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from haiyan_comp.signing.pdf import sign

    data = statement.read_bytes()
    unsigned = data[: data.index(b"%%EOF") + len(b"%%EOF")] + b"\n"
    assert check_signature(unsigned).state == "absent"

    async def issue() -> bytes:
        with app.app_context():  # a thread of its own has no app context of its own
            return sign(unsigned)

    # on a thread of its own: the test's own thread may already run a loop (the browser's)
    with ThreadPoolExecutor(max_workers=1) as pool:
        signed = pool.submit(asyncio.run, issue()).result()
    assert check_signature(signed).valid
