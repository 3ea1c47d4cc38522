"""Progress of the pipeline as one fraction over its stages, and the point where a cancel takes effect."""

from __future__ import annotations

from collections.abc import Callable

from slicing.errors import SliceCancelled

ProgressCallback = Callable[[float, str], None]
CancelCallback = Callable[[], bool]


class StageProgress:
    """Maps a stage's own progress onto 0..1 for the whole run; stages weigh by their typical run time."""

    def __init__(
        self,
        stage_weights: dict[str, float],
        progress: ProgressCallback | None,
        cancel: CancelCallback | None,
    ) -> None:
        total = sum(stage_weights.values())
        self._start: dict[str, float] = {}
        self._weight: dict[str, float] = {}
        done = 0.0
        for stage, weight in stage_weights.items():
            self._start[stage] = done / total
            self._weight[stage] = weight / total
            done += weight
        self._progress = progress
        self._cancel = cancel

    def step(self, stage: str, done: int, total: int) -> None:
        """Report that `done` of `total` items of a stage are finished; raise SliceCancelled if asked to."""
        if self._cancel is not None and self._cancel():
            raise SliceCancelled("slicing was cancelled")
        if self._progress is not None:
            fraction = self._start[stage] + self._weight[stage] * (done / total if total else 1.0)
            self._progress(min(fraction, 1.0), stage)
