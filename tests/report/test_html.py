"""HTML report: one self-contained page, overview first, drill-down study -> series ->
file, filters by severity and code. The browser test opens it in headless chromium
(Debian's chromium + chromium-driver, driven by selenium): no console errors, the filters
change what is shown, and a screenshot is written as a test artefact
(``$TEST_ARTIFACTS`` or ``build/test-artifacts``)."""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from conformance.engine.digest import Identity
from conformance.engine.finding import Finding, Reference
from conformance.engine.result import Report
from conformance.report.html import write

from .conftest import STANDARD, fake_reports

REPO = Path(__file__).resolve().parents[2]


def _html(reports: list[Any]) -> str:
    out = io.StringIO()
    write(reports, standard_info=STANDARD, stream=out)
    return out.getvalue()


def study_reports() -> list[Report]:
    """Two studies, three series, five files (one unreadable): every severity, several
    codes, references to the standard."""
    ref = Reference(edition="2016c", part=3, section="C.7.1.1", table="C.7-1")
    out = []
    layout = [("1.2.3.1", "1.2.3.1.1", "CT"), ("1.2.3.1", "1.2.3.1.1", "CT"),
              ("1.2.3.1", "1.2.3.1.2", "SR"), ("1.2.3.2", "1.2.3.2.1", "MR")]
    for i, (study, series, modality) in enumerate(layout):
        findings = [
            Finding("type1-missing", "error", f"Patient ID is missing ({i})", tag="00100020",
                    keyword="PatientID", path="(0010,0020)", keyword_path="PatientID",
                    module="patient", reference=ref),
            Finding("not-in-iod", "warning", "attribute not in the IOD", tag="00091001",
                    path="(0009,1001)", keyword_path="(0009,1001)"),
            Finding("condition-not-checked", "info", "cannot decide <contrast> & bolus",
                    path="(0018,0010)", keyword_path="ContrastBolusAgent"),
        ][: 3 - (i % 2)]
        out.append(Report(path=f"study{i}/file {i}.dcm", sop_class_uid="1.2.840.10008.5.1.4.1.1.2",
                          iod="ct-image", iod_name="CT Image", findings=findings,
                          identity=Identity(study_instance_uid=study,
                                            series_instance_uid=series,
                                            sop_instance_uid=f"1.2.3.9.{i}", modality=modality)))
    out.append(Report(path="notes.txt", sop_class_uid=None, iod=None, iod_name=None,
                      findings=[Finding("unreadable", "error", "cannot read the input")]))
    return out


def test_self_contained_and_overview_first() -> None:
    page = _html(study_reports() + fake_reports())
    # nothing is fetched: no external script, stylesheet, image, frame or font
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)=', page)
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # and the page says so to the browser
    assert page.index('id="overview"') < page.index('id="filters"') < page.index('id="details"')
    # drill-down by study, series, file
    assert page.count('<details class="study"') == 3  # two studies + the unreadable file's
    assert page.count('<details class="series"') == 4
    assert page.count('<details class="file') == 9
    # references link to the standard
    assert 'href="https://dicom.nema.org/medical/dicom/2016c/output/html/part03.html#table_C.7-1"' \
        in page


def test_text_is_escaped() -> None:
    page = _html(fake_reports())
    assert "&lt;&amp;&gt;" in page
    assert "<&>" not in page.split("<body>", 1)[1].replace("<script>", "").split("<script>")[0]
    assert "cannot decide &lt;contrast&gt; &amp; bolus" in _html(study_reports())


def test_cli_writes_html(tmp_path: Path) -> None:
    from conformance.cli import main

    from ..helpers.testdata import pydicom_testdata

    out = tmp_path / "report.html"
    code = main(["validate", "--no-progress", "--format", "html", "-o", str(out),
                 pydicom_testdata("CT_small.dcm"), pydicom_testdata("MR_small.dcm")])
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count('<details class="file') == 2


# -- the browser ------------------------------------------------------------------------

def _driver() -> Any:
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.skip("chromium / chromium-driver not installed (apt-get install chromium "
                    "chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service(executable_path=chromedriver), options=opts)
    except Exception as exc:  # noqa: BLE001 - a browser that cannot start here
        pytest.skip(f"headless chromium does not start: {exc}")


def _artifacts() -> Path:
    d = Path(os.environ.get("TEST_ARTIFACTS") or REPO / "build" / "test-artifacts")
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_in_headless_chromium(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    reports = study_reports()
    page = tmp_path / "report.html"
    page.write_text(_html(reports), encoding="utf-8")
    total = sum(len(r.findings) for r in reports)
    n_info = sum(f.severity == "info" for r in reports for f in r.findings)
    n_type1 = sum(f.code == "type1-missing" for r in reports for f in r.findings)
    driver = _driver()
    try:
        driver.get(page.as_uri())
        body = driver.find_element(By.TAG_NAME, "body")
        assert body.get_attribute("data-shown") == str(total)  # the script ran

        def visible_rows() -> list[Any]:
            for d in driver.find_elements(By.CSS_SELECTOR, "details"):  # open everything
                if d.get_attribute("open") is None:
                    driver.execute_script("arguments[0].open = true", d)
            return [r for r in driver.find_elements(By.CSS_SELECTOR, "tr.finding")
                    if r.is_displayed()]

        assert len(visible_rows()) == total
        driver.save_screenshot(str(_artifacts() / "html-report.png"))

        # severity filter: untick info
        driver.find_element(By.CSS_SELECTOR, "input.sev-filter[value=info]").click()
        rows = visible_rows()
        assert len(rows) == total - n_info
        assert {r.get_attribute("data-severity") for r in rows} == {"error", "warning"}
        assert driver.find_element(By.ID, "shown-count").text == str(total - n_info)

        # code filter: one code; files without it disappear
        Select(driver.find_element(By.ID, "code-filter")).select_by_value("type1-missing")
        rows = visible_rows()
        assert len(rows) == n_type1
        assert {r.get_attribute("data-code") for r in rows} == {"type1-missing"}
        files = [d for d in driver.find_elements(By.CSS_SELECTOR, "details.file")
                 if d.is_displayed()]
        assert len(files) == 4  # the unreadable file has no type1-missing

        # a code in the overview table sets the code filter
        Select(driver.find_element(By.ID, "code-filter")).select_by_value("")
        driver.find_element(By.CSS_SELECTOR, 'a.code[data-code="not-in-iod"]').click()
        assert Select(driver.find_element(By.ID, "code-filter")).first_selected_option \
            .get_attribute("value") == "not-in-iod"
        assert {r.get_attribute("data-code") for r in visible_rows()} == {"not-in-iod"}
        driver.save_screenshot(str(_artifacts() / "html-report-filtered.png"))

        logs = driver.get_log("browser")
        assert [e for e in logs if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()
