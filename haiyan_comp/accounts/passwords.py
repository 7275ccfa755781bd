"""What a new password must be: long enough, and not easy to guess.

zxcvbn estimates how many guesses a password takes, knowing common passwords,
names, words, keyboard walks, dates and the user's own name; its score runs
from 0 (guessed at once) to 4. A password must score at least 3 and be at
least 12 characters long. The sign-in form takes up to 200 characters.
"""

from __future__ import annotations

import threading

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 200  # what the sign-in form accepts
MIN_SCORE = 3
# zxcvbn's time grows fast with length; a longer password is judged by its start.
_JUDGED_LENGTH = 72
# Words a guesser tries first here, whoever the user is.
SITE_WORDS = ("haiyan", "海盐")
# zxcvbn keeps the user inputs of a call in a module-level dictionary.
_zxcvbn_lock = threading.Lock()


def password_problems(password: str, user_inputs: tuple[str, ...] = ()) -> list[str]:
    """Every reason `password` will not do (empty when it will), in English."""
    if len(password) < MIN_LENGTH:
        return [f"password: at least {MIN_LENGTH} characters"]
    if len(password) > MAX_LENGTH:
        return [f"password: at most {MAX_LENGTH} characters"]
    score = strength(password, user_inputs)
    if score < MIN_SCORE:
        return [
            f"password: too easy to guess (strength {score} of 4, at least {MIN_SCORE} needed); "
            "use a longer phrase of unrelated words, not a name, date or common password"
        ]
    return []


def strength(password: str, user_inputs: tuple[str, ...] = ()) -> int:
    """zxcvbn's score, 0–4, with the site's own words and `user_inputs` as known guesses."""
    known = [word for word in (*SITE_WORDS, *user_inputs) if word]
    with _zxcvbn_lock:
        result = zxcvbn(password[:_JUDGED_LENGTH], user_inputs=known)
    score: int = result["score"]
    return score
