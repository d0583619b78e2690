"""User-facing errors.

Every error a user can cause is a :class:`SkillAugError`. Its message is one line that names the bad
file or value and says what to do; the CLIs print it as ``error: <message>`` and exit with code 2,
never with a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SkillAugError(Exception):
    """Base class of every error meant for the user (one line, names the culprit, says what to do)."""

    exit_code = 2


class UnknownTaskError(SkillAugError, KeyError):
    """A task name that no plugin registered."""

    def __init__(self, name: str, known: Iterable[str]):
        known = sorted(known)
        self.name = name
        self.known = known
        hint = did_you_mean(name, known)
        msg = f"unknown task {name!r}{hint}; known tasks: {', '.join(known) or '(none)'}"
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return self.args[0]


class UnknownDetectorError(SkillAugError, KeyError):
    """A head-detector backend name that no plugin registered."""

    def __init__(self, name: str, known: Iterable[str]):
        known = sorted(known)
        msg = f"unknown detector {name!r}{did_you_mean(name, known)}; known detectors: {', '.join(known) or '(none)'}"
        super().__init__(msg)

    def __str__(self) -> str:
        return self.args[0]


class PluginError(SkillAugError):
    """A plugin failed to import, raised in a hook, or registered something twice."""


class ImageError(SkillAugError):
    """An image file that cannot be read (missing, empty, corrupt, not an image, a directory)."""


class ManifestError(SkillAugError):
    """A manifest (CSV) or data folder that is malformed."""


class DetectorError(SkillAugError):
    """A detector backend that cannot run (missing model files or optional dependency)."""


class ConfigError(SkillAugError):
    """A configuration value that is out of range or of the wrong type."""


class CheckpointError(SkillAugError):
    """A checkpoint, run directory or exported model that is missing, corrupt or incompatible."""


class TrainingError(SkillAugError):
    """A training run that cannot go on (non-finite loss, empty data after skipping bad images)."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest known name, or an empty string."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""
