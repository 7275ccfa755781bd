"""What a new password must be: long enough, and not easy to guess.

zxcvbn estimates how many guesses a password takes, knowing common passwords,
names, words, keyboard walks, dates and the user's own name; its score runs
from 0 (guessed at once) to 4. A password must score at least 3 and be at
least 12 characters long. The sign-in form takes up to 200 characters.
"""

from __future__ import annotations

import threading

from haiyan_comp.accounts.messages import PASSWORD_TOO_LONG, PASSWORD_TOO_SHORT, PASSWORD_WEAK
from haiyan_comp.messages import Message

MIN_LENGTH = 12
MAX_LENGTH = 200  # what the sign-in form accepts
MIN_SCORE = 3
# zxcvbn's time grows fast with length; a longer password is judged by its start.
_JUDGED_LENGTH = 72
# Words a guesser tries first here, whoever the user is.
SITE_WORDS = ("haiyan", "海盐")
# zxcvbn keeps the user inputs of a call in a module-level dictionary.
_zxcvbn_lock = threading.Lock()


def password_problems(password: str, user_inputs: tuple[str, ...] = ()) -> list[Message]:
    """Every reason `password` will not do (empty when it will), about the field "password"."""
    if len(password) < MIN_LENGTH:
        return [PASSWORD_TOO_SHORT.on("password", least=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [PASSWORD_TOO_LONG.on("password", most=MAX_LENGTH)]
    score = strength(password, user_inputs)
    if score < MIN_SCORE:
        return [PASSWORD_WEAK.on("password", score=score, least=MIN_SCORE)]
    return []


def strength(password: str, user_inputs: tuple[str, ...] = ()) -> int:
    """zxcvbn's score, 0–4, with the site's own words and `user_inputs` as known guesses."""
    from zxcvbn import zxcvbn  # here: the commands that set no password start without it

    known = [word for word in (*SITE_WORDS, *user_inputs) if word]
    with _zxcvbn_lock:
        result = zxcvbn(password[:_JUDGED_LENGTH], user_inputs=known)
    score: int = result["score"]
    return score
