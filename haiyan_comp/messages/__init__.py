"""What the service says to people, by code: one catalogue, two languages.

Every refusal and every reason a row was not imported is a `Message`: a
stable code, its parameters, and its English text. The English is what the
command line and the API's `message` print (CONTRACT.md); scripts read it, so
it never changes by accident. The Chinese of the pages and documents comes
from the gettext catalogues in `haiyan_comp/messages/zh/` (one `.po` file per
domain, the code as each entry's context and the English as its msgid), never
from rewriting the English text.

A domain defines its messages in its own `messages.py`:

    UNKNOWN_STAFF = define("unknown_staff", "unknown staff {staff} at {institution}")
    raise NotFound(UNKNOWN_STAFF(staff=show(code), institution=inst.code))

A reason about one field of a row is `TEMPLATE.on("staff_code", …)`: its English
is "staff_code: …", its Chinese starts with the field's Chinese name.

`Message` is a `str` (its English text), so everything that printed, joined
or compared the old English sentences still does; code that needs more asks
for `.code`, `.params`, `.field` or `.text("zh")`.
"""

from haiyan_comp.messages.catalogue import (
    LOCALES,
    Message,
    Template,
    as_json,
    define,
    described,
    field_name,
    from_described,
    templates,
    text,
)

__all__ = [
    "LOCALES",
    "Message",
    "Template",
    "as_json",
    "define",
    "described",
    "field_name",
    "from_described",
    "templates",
    "text",
]
