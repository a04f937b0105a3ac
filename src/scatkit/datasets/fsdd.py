"""Free Spoken Digit Dataset (FSDD): spoken digits 0-9 at 8 kHz.

Jackson, Souza, Flaks, Pan, Nicolas & Thite (2018),
https://github.com/Jakobovski/free-spoken-digit-dataset (CC BY-SA 4.0).  File
names are ``{digit}_{speaker}_{take}.wav``; the official split puts takes 0-4 of
every speaker and digit in the test set, takes 5-49 in the training set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import read_audio
from .paths import dataset_path

__all__ = ["FSDD", "load_fsdd", "SAMPLE_RATE", "TEST_TAKES"]

#: sample rate of the recordings (Hz)
SAMPLE_RATE = 8000
#: takes that form the official test set
TEST_TAKES = range(0, 5)

_NAME = re.compile(r"^(\d)_([A-Za-z]+)_(\d+)\.wav$")


@dataclass
class FSDD:
    """The recordings and their labels (one entry per file, sorted by file name)."""

    signals: list | np.ndarray
    labels: np.ndarray
    speakers: np.ndarray
    takes: np.ndarray
    files: list[str]

    @property
    def test_mask(self) -> np.ndarray:
        """The official test set (takes 0-4)."""
        return np.isin(self.takes, list(TEST_TAKES))

    def __iter__(self):  # signals, labels, speakers, takes, files = load_fsdd()
        return iter((self.signals, self.labels, self.speakers, self.takes, self.files))


def load_fsdd(path=None, length: int | None = None, limit: int | None = None) -> FSDD:
    """Load the Free Spoken Digit Dataset.

    Parameters
    ----------
    path : str or Path, optional
        Folder that holds ``recordings/`` (or the WAV files directly); default
        ``dataset_path('fsdd')``.
    length : int, optional
        Fit every recording to this many samples (centred zero padding or
        cropping, :func:`scatkit.datasets.audio.fit_length`); the signals are then
        one float32 array ``(n, length)``.  ``None`` returns a list of arrays of
        their own lengths.
    limit : int, optional
        Keep only the first ``limit`` files of each (speaker, digit) pair, for
        quick runs (takes are sorted numerically, so the test takes come first).

    Returns
    -------
    FSDD
        ``signals, labels, speakers, takes, files`` (also unpackable in that order).
    """
    root = Path(path) if path is not None else dataset_path("fsdd")
    folder = root / "recordings" if (root / "recordings").is_dir() else root
    entries = []
    for f in folder.glob("*.wav"):
        m = _NAME.match(f.name)
        if m:
            entries.append((m.group(2), int(m.group(1)), int(m.group(3)), f))
    if not entries:
        raise FileNotFoundError(f"no FSDD recordings ({{digit}}_{{speaker}}_{{take}}.wav) "
                                f"found in {folder}")
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    if limit is not None:
        entries = [e for e in entries if e[2] < limit]
    signals = [read_audio(e[3], length=length)[0] for e in entries]
    if length is not None:
        signals = np.stack(signals)
    return FSDD(signals=signals,
                labels=np.array([e[1] for e in entries], dtype=np.int64),
                speakers=np.array([e[0] for e in entries]),
                takes=np.array([e[2] for e in entries], dtype=np.int64),
                files=[e[3].name for e in entries])
