"""`crm import FILE --brand --kind` and `crm export` as operators run them: subprocesses against
the test database, a progress line on stderr, a JSON summary on stdout."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from config import Settings
from models import Customer
from tests.support import make_brand
from tests.test_loyalty_jobs import crm


async def test_crm_import_and_export_show_progress_and_a_summary(
    settings: Settings, tmp_path: Path
) -> None:
    brand = await make_brand()
    source = tmp_path / "members.csv"
    rows = ["Mobile,name,email"]
    rows += [f"1380013{n:04d},Member {n},m{n}@example.com" for n in range(40)]
    rows.append(",Broken,not-an-email")
    source.write_text("\n".join(rows) + "\n")
    failed = tmp_path / "failed.csv"
    code, summary, err = await crm(
        settings,
        tmp_path,
        "import",
        str(source),
        "--brand",
        brand.slug,
        "--kind",
        "CUSTOMERS",
        "--map",
        "Mobile=phone",
        "--failed-rows",
        str(failed),
    )
    assert code == 0, err
    assert {k: summary[k] for k in ("state", "rowsRead", "rowsWritten", "rowsFailed")} == {
        "state": "SUCCEEDED",
        "rowsRead": 41,
        "rowsWritten": 40,
        "rowsFailed": 1,
    }
    assert "import [" in err and "100%" in err and "40 written" in err
    assert await Customer.filter(brand_id=brand.id).count() == 40
    (bad,) = list(csv.DictReader(io.StringIO(failed.read_text())))
    assert bad["name"] == "Broken" and "email: INVALID" in bad["errors"]

    out = tmp_path / "members-export.csv"
    code, summary, err = await crm(
        settings,
        tmp_path,
        "export",
        "--brand",
        brand.slug,
        "--kind",
        "CUSTOMERS",
        "--output",
        str(out),
    )
    assert code == 0, err
    assert (summary["rows"], summary["personalData"]) == (40, False)
    exported = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(exported) == 40 and exported[0]["email"].startswith("m***@")
    assert "export" in err and "40 rows" in err

    code, _, err = await crm(
        settings,
        tmp_path,
        "import",
        str(tmp_path / "missing.csv"),
        "--brand",
        brand.slug,
        "--kind",
        "CUSTOMERS",
    )
    assert code == 1 and "no file" in err
