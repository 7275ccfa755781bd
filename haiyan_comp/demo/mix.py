"""The demo county's shape: institution sizes, staff names and the service mix.

Plain data, no logic. The numbers are plausible, not published: Haiyan's
household-registered population is about 380,000, the county seat 武原 is by
far the largest; a township centre's year is mostly outpatient visits,
prescriptions and tests, with public-health work around a tenth of its records.
"""

from __future__ import annotations

# code → (registered residents, staff on the payroll)
INSTITUTION_SIZES: dict[str, tuple[int, int]] = {
    "HY01": (110_000, 60),
    "HY02": (30_000, 18),
    "HY03": (28_000, 17),
    "HY04": (24_000, 15),
    "HY05": (38_000, 24),
    "HY06": (36_000, 22),
    "HY07": (32_000, 20),
    "HY08": (34_000, 21),
    "HY09": (45_000, 28),
}

# Common surnames, the Jiaxing ones (沈, 顾, 陆, 钱, 褚, 蒋) well represented.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡郭何高林沈钱顾陆金蒋褚冯许姚戴曹范潘俞费陶邵方汤夏屠"
GIVEN_CHARACTERS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"
    "建国志文斌鹏辉晓燕雪琴海波宇浩婷颖佳欣怡晨阳立新春梅凤云"
)

# Relative yearly volume of each catalogue item (records per 10,000).
ITEM_WEIGHTS: dict[str, int] = {
    # basic medical: outpatient visits dominate, then prescriptions and tests
    "OP": 3000,
    "TCM_OP": 400,
    "PED_OP": 350,
    "ER": 120,
    "HOME_VISIT": 25,
    "FBED": 60,
    "IP_BED": 150,
    "MINOR_PROC": 30,
    "DRESSING": 150,
    "TCM_DRESS": 30,
    "INJ_IM": 350,
    "INJ_IV": 250,
    "TCM_TECH": 200,
    "RX_WM": 1500,
    "RX_TCM_PAT": 400,
    "RX_TCM_DEC": 200,
    "LAB_BLOOD_TYPE": 20,
    "LAB_BIOCHEM": 300,
    "LAB_CBC": 450,
    "LAB_URINE": 250,
    "LAB_STOOL": 80,
    "ECG": 200,
    "US_B": 150,
    # public health
    "REC": 60,
    "HE_LECTURE": 3,
    "HE_CONSULT": 2,
    "VAC_DOSE": 300,
    "NB_HOME": 8,
    "NB_M1": 8,
    "CHILD_HC": 40,
    "PRESCH_HC": 15,
    "CHILD_TEL": 20,
    "PREG_ANC": 40,
    "PP_VISIT": 8,
    "PP_42D": 8,
    "ELD_HC": 120,
    "HTN": 60,
    "HTN_FU": 230,
    "HTN_SCR": 100,
    "DM": 20,
    "DM_FU": 75,
    "SMI": 3,
    "SMI_FU": 12,
    "TB_SCR": 5,
    "TB_HOME1": 1,
    "TB_FU": 10,
    "TCM_ELD": 60,
    "TCM_CHILD": 20,
    "ID_REPORT": 8,
    "PHE_REPORT": 1,
    "EPI_ASSIST": 2,
    "HS_INSPECT": 10,
    "FD_CONTRACT": 80,
}
DEFAULT_WEIGHT = {"basic_medical": 50, "public_health": 10}

# Quantities (as written in the file) drawn uniformly; items not listed are always 1.
QUANTITIES: dict[str, tuple[str, ...]] = {
    "INJ_IM": ("1", "1", "1", "1", "1", "1", "2", "2", "3"),
    "INJ_IV": ("1", "1", "1", "1", "1", "1", "1", "2"),
    "LAB_BIOCHEM": ("1", "1", "1", "1", "2", "3"),
    "LAB_CBC": ("1", "1", "1", "1", "1", "1", "1", "2"),
    "ECG": ("1", "1", "1", "1", "1", "1", "1", "1", "1", "2"),
    "IP_BED": ("1", "1", "1", "2", "2", "3"),
    "FBED": ("1", "1", "1", "2", "3"),
    "TCM_TECH": ("1", "1", "1", "1", "2"),
    "DRESSING": ("1", "1", "1", "1", "1", "2"),
    "VAC_DOSE": ("1", "1", "1", "1", "1", "2"),
}

# Share of an uncapped item's records that name a resident (capped items always do).
RESIDENT_SHARE: dict[str, float] = {
    "HE_LECTURE": 0.0,
    "HE_CONSULT": 0.0,
    "PHE_REPORT": 0.0,
    "EPI_ASSIST": 0.0,
    "HS_INSPECT": 0.0,
    "ID_REPORT": 0.5,
}
DEFAULT_RESIDENT_SHARE = 0.97

# Capped items of one family serve the same residents in the same order, so the
# patient whose hypertension is managed (HTN) is the one followed up (HTN_FU).
FAMILIES: dict[str, str] = {
    "HTN_FU": "HTN",
    "DM_FU": "DM",
    "SMI_FU": "SMI",
    "NB_M1": "NB_HOME",
    "CHILD_HC": "NB_HOME",
    "PP_VISIT": "PREG_ANC",
    "PP_42D": "PREG_ANC",
    "TCM_ELD": "ELD_HC",
    "TCM_CHILD": "PRESCH_HC",
}

# Share of capped records given to a resident who already had the cap's worth:
# a second HTN in the year, a fifth HTN_FU follow-up. These become over-spec (R3).
OVER_CAP_SHARE = 0.04
