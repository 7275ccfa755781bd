"""Long work in the database: its state, progress, result files and the daily schedule's claims.

Every web server and every worker reads and writes the same rows, so a job
started on one server is followed and downloaded from another (issue 18).
"""
