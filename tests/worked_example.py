"""The worked example of RULES.md as files a user would hand the service."""

from __future__ import annotations

from pathlib import Path

CATALOGUE_CSV = """code,name,category,unit,value,cap,spec,data_rule,source
OP,普通门诊,basic_medical,visit,1.00,,一次15分钟普通门诊,门诊日志,RULES.md
HTN,高血压患者健康管理,public_health,patient-year,10.00,1,高血压患者年度管理,慢病随访系统,RULES.md
REC,建立居民健康档案,public_health,record,2.50,1,新建健康档案,健康档案系统,RULES.md
"""

INSTITUTIONS_CSV = "code,name\nHY01,武原街道社区卫生服务中心\nHY02,秦山街道社区卫生服务中心\n"
STAFF_CSV = "code,institution_code,name\nS1,HY01,张医生\nS2,HY01,李医生\nS3,HY02,王医生\n"


def records_csv() -> str:
    """Every record of the worked example, dated in 2018."""
    rows = ["source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity"]

    def add(source: str, inst: str, staff: str, item: str, day: str, resident: str = "") -> None:
        rows.append(f"{source},{inst},{staff},{item},2018-{day},{resident},1")

    for n in range(60):
        add(f"OP1{n:03d}", "HY01", "S1" if n < 40 else "S2", "OP", f"{1 + n % 12:02d}-10")
    for n, (staff, resident) in enumerate(
        [("S1", "r1"), ("S1", "r2"), ("S1", "r3"), ("S2", "r4"), ("S2", "r5")]
    ):
        add(f"R006{n}", "HY01", staff, "HTN", "03-01", resident)
    add("R0070", "HY01", "S1", "HTN", "09-01", "r1")  # the second, later record for r1
    for n in range(4):
        add(f"REC1{n}", "HY01", "S2", "REC", "02-01", f"p{n}")
    for n in range(40):
        add(f"OP2{n:03d}", "HY02", "S3", "OP", f"{1 + n % 12:02d}-11")
    for n in range(3):
        add(f"HTN2{n}", "HY02", "S3", "HTN", "04-01", f"q{n}")
    for n in range(2):
        add(f"REC2{n}", "HY02", "S3", "REC", "05-01", f"t{n}")
    return "\n".join(rows) + "\n"


def write_files(folder: Path) -> dict[str, Path]:
    """Write the example's files into `folder`; return their paths by name."""
    files = {
        "catalogue": ("catalogue.csv", CATALOGUE_CSV),
        "institutions": ("institutions.csv", INSTITUTIONS_CSV),
        "staff": ("staff.csv", STAFF_CSV),
        "records": ("records.csv", records_csv()),
    }
    paths = {}
    for key, (name, content) in files.items():
        path = folder / name
        path.write_text(content, encoding="utf-8")
        paths[key] = path
    return paths
