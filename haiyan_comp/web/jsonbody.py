"""Every JSON request body is parsed through jsondepth.loads, whichever code reads it.

Flask's `request.get_json` (and Flask-WTF's sign-in form, which reads a JSON
body as its fields) parses with the app's JSON provider; flask-smorest's
`@arguments` parse with a webargs parser. Both are replaced here, so a body
nested deeper than jsondepth.MAX_DEPTH is a 400 in the usual error shape,
never the RecursionError (500) the json module would raise on it.

Answers are written by orjson, as the json module would write them with Flask's
settings (keys sorted, compact; dates, decimals and dataclasses through Flask's
`default`), but about ten times as fast: the 10,000 flags of the audit API are
2.5 MB, 3 ms instead of 25-40. Text is written as UTF-8 rather than \\u escapes
(the same JSON). What orjson refuses (an integer past 64 bits) and pretty-printed
output (debug mode) go to the json module as before.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import flask
import orjson
from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import BadRequest

from haiyan_comp import jsondepth

# Dates and dataclasses go to Flask's `default` (HTTP dates, asdict), as the json module's.
_AS_FLASK = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_COMPACT = {"separators": (",", ":")}


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading through jsondepth.loads (TooDeep is a ValueError: a 400), and
    writing compact answers with orjson (see the module's docstring)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """`obj` as JSON text, as DefaultJSONProvider.dumps writes it."""
        if kwargs == _COMPACT:  # an answer (`response`), not debug mode's indented one
            option = _AS_FLASK | (orjson.OPT_SORT_KEYS if self.sort_keys else 0)
            try:
                return orjson.dumps(obj, default=self.default, option=option).decode()
            except orjson.JSONEncodeError:  # an integer past 64 bits, keys not text, …
                pass
        return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse `s`, refusing nesting deeper than jsondepth.MAX_DEPTH."""
        return jsondepth.loads(s, **kwargs)


class JsonBodyParser(FlaskParser):
    """webargs' Flask parser, reading JSON bodies through jsondepth.loads."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        # UnicodeDecodeError and JSONDecodeError (TooDeep too) are webargs' invalid body.
        return jsondepth.loads(req.get_data(cache=True).decode("utf-8"))

    def _handle_invalid_json_error(
        self,
        error: json.JSONDecodeError | UnicodeDecodeError,
        req: flask.Request,
        *args: Any,
        **kwargs: Any,
    ) -> NoReturn:
        if isinstance(error, jsondepth.TooDeep):
            raise BadRequest(
                f"the JSON body nests arrays or objects more than {error.limit} levels deep"
            )
        super()._handle_invalid_json_error(error, req, *args, **kwargs)
