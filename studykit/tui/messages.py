"""Messages shared across screens. Lab messages are posted from the lab's worker thread
(`post_message` is thread-safe) and handled on the UI thread.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class LabProgressed(Message):
    """One training step; carries every step so far, so folding a flood of these loses nothing."""

    def __init__(self, progress: Any, history: tuple[Any, ...]) -> None:
        super().__init__()
        self.progress = progress  # studykit.lab.results.Progress
        self.history = history  # all Progress events of this run so far, oldest first

    def can_replace(self, message: Message) -> bool:
        # A newer progress message supersedes a pending older one: the UI draws the latest state.
        return isinstance(message, LabProgressed)


class LabFinished(Message):
    """The run returned: completed, or stopped early (`result.interrupted`)."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result  # studykit.lab.results.LabResult


class LabFailed(Message):
    """The run raised; the screen shows the error instead of results."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error
