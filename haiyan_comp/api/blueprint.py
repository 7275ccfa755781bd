"""flask-smorest's Blueprint with our arguments parser, for every API view module.

A view's `@blp.arguments` takes its parser when the module is imported, so the parser
(JSON bodies nested too deep are a 400, web/jsonbody.py) is set here, by the module every
API view imports its Blueprint from, whoever imports a view module first (the app's
mount, a test, a tool).
"""

from __future__ import annotations

from flask_smorest import Blueprint

from haiyan_comp.web.jsonbody import JsonBodyParser

Blueprint.ARGUMENTS_PARSER = JsonBodyParser()

__all__ = ["Blueprint"]
