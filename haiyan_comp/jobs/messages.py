"""What jobs say to people, by code (English here; Chinese in messages/zh/jobs.po)."""

from haiyan_comp.messages import define

NO_SUCH_JOB = define("no_such_job", "no such job")
JOB_FILE_GONE = define(
    "job_file_gone", "the file {name} is no longer kept (results are kept {days} days)"
)
JOB_INTERRUPTED = define(
    "job_interrupted",
    "the job stopped before it finished (its process ended, e.g. a restart); "
    "nothing was changed: start it again",
)
JOB_INTERNAL = define("job_internal", "internal error: {name}")

# How far a job is (its progress line on the job page).
JOB_WAITING = define("job_waiting", "waiting for a worker to take the job")
JOB_READING_YEAR = define("job_reading_year", "reading the settlement of {year}")
JOB_MAKING_STATEMENT = define("job_making_statement", "making the statement of {code}")
JOB_SETTLING = define("job_settling", "settling the year and booking it")
JOB_FINISHED = define("job_finished", "finished")
