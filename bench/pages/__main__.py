"""`python -m bench.pages`: see bench/pages/__init__.py."""

from bench.pages.run import main

main()
