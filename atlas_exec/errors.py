"""Failures of a page program, as typed objects that name the file and line.

Every failure carries ``where`` (``docs/page.md:LINE``, the opening line of
the fence) and a message a contributor can act on. Messages never carry the
engine's own frames or paths of the machine that built the site.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


class FenceError(ValueError):
    """A fence that cannot be understood (grammar): raised before anything runs."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass
class Failure:
    """Why a page program stopped, at which fence.

    kind: "raised" (an exception the fence did not expect), "expected" (a
    raises= fence that raised nothing or another type), "doctest" (a pycon
    output differs), "exit" (quit() or sys.exit()), "input" (input() called),
    "replay" (the value named by replay= cannot be replayed), "timeout",
    "died" (the process ended: os._exit, a crash, out of memory).
    """

    kind: str
    cell: int  # index of the fence in the page program
    where: str  # docs/page.md:LINE of the fence
    message: str  # one line
    details: str = ""  # a cleaned traceback or a doctest report

    # Failures that say something about the code, not the machine: a rerun
    # with the same code, files and environment fails the same way.
    DETERMINISTIC = ("raised", "expected", "doctest", "exit", "input", "replay")

    @property
    def deterministic(self) -> bool:
        return self.kind in self.DETERMINISTIC

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        return f"{text}\n\n{self.details}" if self.details else text

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Failure:
        return cls(**data)
