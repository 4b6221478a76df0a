"""A problem with a training request that the user can fix; its text is Persian and shown as it is."""

from __future__ import annotations

from prompts import t


class TrainingProblem(Exception):
    def __init__(self, key: str, /, **values: object) -> None:
        self.key = key
        self.values = values
        self.message = t(key if "." in key else f"training.{key}", **values)  # e.g. "cluster.needs_ray"
        super().__init__(self.message)

    @property
    def code(self) -> str:
        return self.key
