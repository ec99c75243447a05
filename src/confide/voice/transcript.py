"""What a speech engine heard: the one result type every engine returns."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Transcript"]


@dataclass(frozen=True)
class Transcript:
    """What an engine heard.

    ``text`` is lower-case words ("" when nothing was recognised).  ``confidence`` is
    engine-specific: higher is surer.  ``rejected`` means "do not act on this".
    ``tentative`` (only with ``rejected``) means the engine is too unsure to act but sure
    enough to *read it back* and ask ("I heard: ... Shall I?"): the speaker's "yes" decides.
    """

    text: str
    confidence: float
    rejected: bool
    seconds: float = 0.0  # decoding time
    engine: str = ""
    #: The evidence ``confidence`` was computed from (:data:`confide.voice.confidence.FEATURES`).
    features: tuple[float, ...] | None = None
    tentative: bool = False

    def __post_init__(self) -> None:
        if self.tentative and not self.rejected:
            raise ValueError("only a rejected transcript can be tentative")
