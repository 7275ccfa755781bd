"""One JSON shape per row type: the API's schemas give what the slips' figures hold."""

from __future__ import annotations

from fractions import Fraction

from haiyan_comp.api.schemas_bonus import bonus_document, pay_sheet_document
from haiyan_comp.bonus import rules
from haiyan_comp.bonus.messages import BELOW_QUALIFYING
from haiyan_comp.bonus.queries import InstitutionBonus, PaySheetResult, integer_weights


def _bonus() -> InstitutionBonus:
    weights = {"HY01S001": Fraction(12_345, 2), "HY01S002": Fraction(0)}
    amounts = rules.split_by_staff(86_842_11, integer_weights(weights))
    return InstitutionBonus(
        "HY01", 96_000, 173_684_22, 86_842_11, 86_842_11, weights, amounts, None
    )


def test_the_pay_sheet_schema_is_the_slips_figures_shape() -> None:
    bonus = _bonus()
    sheet = rules.pay_sheet(100_000_00, integer_weights(bonus.weights))
    result = PaySheetResult("HY01", 2018, sheet, bonus)
    assert pay_sheet_document(result) == result.to_json()
    assert pay_sheet_document(result)["staff"][0] == {
        "code": "HY01S001",
        "incentive": "60000.00",
        "efficiency_bonus": "86842.11",
    }


def test_the_bonus_schema_writes_money_as_strings_and_the_note_in_english() -> None:
    below = InstitutionBonus(
        "HY02", 94_000, 100_00, 0, 0, {"HY02S001": Fraction(1, 3)}, {},
        BELOW_QUALIFYING(score="940.00"),
    )  # fmt: skip
    document = bonus_document(2018, [_bonus(), below])
    first, second = document["institutions"]
    assert first["staff"][0] == {"code": "HY01S001", "weight": "61.73", "amount": "86842.11"}
    assert (first["score"], first["cap"], first["qualifies"]) == ("960.00", "86842.11", True)
    assert second["note"] == "score 940.00 is below 950.00: no efficiency bonus (R17)"
    assert (second["qualifies"], second["staff"][0]["weight"]) == (False, "0.00")
