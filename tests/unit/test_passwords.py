"""A new password is long enough and not easy to guess (zxcvbn score 3 or more)."""

from __future__ import annotations

import pytest

from haiyan_comp.accounts.passwords import MIN_SCORE, password_problems, strength
from haiyan_comp.demo.users import DEMO_PASSWORD

TOO_EASY = "password: too easy to guess"


@pytest.mark.parametrize(
    ("password", "names", "problem"),
    [
        ("short-one", (), "password: at least 12 characters"),
        ("x" * 201, (), "password: at most 200 characters"),
        ("password1234", (), TOO_EASY),
        ("qwertyuiop12", (), TOO_EASY),  # a keyboard walk
        ("haiyan123456", (), TOO_EASY),  # the site's own name
        ("wangfang1985!", ("wangfang",), TOO_EASY),  # the user's own name and a year
        ("王会计王会计王会计王会计", ("王会计",), TOO_EASY),  # the display name, repeated
        ("aaaaaaaaaaaaaaaa", (), TOO_EASY),
        ("amber-tidal-orchard-41", ("wang",), None),
        ("kP9#vR2!mQ7xZ", (), None),
        ("correct horse battery staple", (), None),
    ],
)
def test_what_a_password_must_be(
    password: str, names: tuple[str, ...], problem: str | None
) -> None:
    problems = password_problems(password, names)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(problem)


def test_the_same_password_is_weaker_with_the_users_name_known() -> None:
    assert strength("wangfang2019", ()) > strength("wangfang2019", ("wangfang",))


def test_the_demo_password_would_be_refused_so_the_demo_bypasses_on_purpose() -> None:
    assert strength(DEMO_PASSWORD) < MIN_SCORE


def test_a_long_password_is_judged_by_its_start() -> None:
    assert password_problems("kP9#vR2!mQ7xZ" + "a" * 187) == []  # 200 characters
    assert password_problems("Tq7!" * 50) != []  # a pattern, however long


def test_an_unknown_user_is_checked_against_a_full_cost_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Signing in as nobody costs one scrypt at the product's full cost, as a real user's
    check does (no enumeration by timing); the dummy hash is made at the first sign-in,
    not when every command imports the accounts."""
    from unittest.mock import MagicMock

    from haiyan_comp.accounts import services

    checked: list[str] = []
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: checked.append(h))
    session = MagicMock()
    session.scalar.return_value = None
    assert services.authenticate(session, "nobody", "a guess") is None
    assert services.authenticate(session, "nobody-else", "another") is None
    assert len(checked) == 2 and checked[0] == checked[1]
    assert checked[0].startswith(services.PASSWORD_METHOD + "$")
