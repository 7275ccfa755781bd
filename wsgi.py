"""WSGI entry point: `gunicorn wsgi:app`."""

from haiyan_comp.app import create_app

app = create_app()
