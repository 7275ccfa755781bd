"""Statement PDFs, for everyone allowed to see them (scoped per institution)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")
