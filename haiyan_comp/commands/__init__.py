"""The `haiyan` command line, one module per domain: a surface, like the pages and the API.

Commands parse their arguments, call operations and print; cli.py holds what they share.
"""
