"""The pages' catalogues: the templates speak Chinese (their msgids), English is a setting.

`en/LC_MESSAGES/messages.po` holds the English of every Chinese string of the
templates and the page code. Nothing has to be compiled by hand: when the app
starts, `compiled(instance)` writes the `.mo` files Flask-Babel reads into the
instance folder (again only when a `.po` is newer), so `make`, a fresh clone and
a deployment need no extra step. A person's choice of language is a cookie
(`chosen_locale`), Chinese unless they chose English.

To add strings after editing templates (from the repository's root):

    pybabel extract -F haiyan_comp/web/translations/babel.cfg -k _l -k nav:2 -o /tmp/web.pot .
    pybabel update -i /tmp/web.pot -d haiyan_comp/web/translations -l en --no-fuzzy-matching

then write the English of each new entry (tests/crawl checks that none is missing).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import request

HERE = Path(__file__).parent
COOKIE = "haiyan_lang"
LANGUAGES = {"zh": "zh_Hans_CN", "en": "en"}
DEFAULT = "zh"


def chosen_locale() -> str:
    """The locale of this request: the person's choice (a cookie), else Chinese."""
    choice = request.cookies.get(COOKIE, DEFAULT)
    return LANGUAGES.get(choice, LANGUAGES[DEFAULT])


def language() -> str:
    """'zh' or 'en': the language this request is shown in."""
    return "en" if chosen_locale() == "en" else "zh"


def compiled(instance_path: str) -> str:
    """A directory of compiled catalogues (written from the `.po` files when they are newer)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    target = Path(instance_path) / "translations"
    for po in HERE.glob("*/LC_MESSAGES/*.po"):
        mo = target / po.relative_to(HERE).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as source:
            catalogue = read_po(source)
        partial = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        with partial.open("wb") as out:
            write_mo(out, catalogue)
        partial.replace(mo)  # several workers starting at once each write whole files
    return str(target)
