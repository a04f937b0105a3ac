"""QM7 molecules (Blum & Reymond 2009; Rupp et al., PRL 108, 058301, 2012) and XYZ files.

QM7 holds 7165 organic molecules of up to 23 atoms (H, C, N, O, S) with their
PBE0 atomization energies.  :func:`load_qm7` reads ``qm7.npz`` from the data
folder (``SCATKIT_DATA/qm7/``; see ``SOURCE.txt`` there): positions in
angstrom, zero-padded to 23 atoms, nuclear charges (0 = padding), energies in
kcal/mol.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from .paths import dataset_path

__all__ = ["QM7", "XYZ", "load_qm7", "read_xyz", "ELEMENTS"]

#: chemical symbols of the first 18 elements (index = nuclear charge)
ELEMENTS = ("X", "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si",
            "P", "S", "Cl", "Ar")


class QM7(NamedTuple):
    """Molecules of QM7: ``positions`` (n, 23, 3) in angstrom, ``charges`` (n, 23)
    int (0 = padding), ``energies`` (n,) atomization energies in kcal/mol."""

    positions: np.ndarray
    charges: np.ndarray
    energies: np.ndarray


class XYZ(NamedTuple):
    """Molecules read from an XYZ file: ``positions`` (n, A, 3) angstrom, ``charges``
    (n, A) (zero-padded to the largest molecule), ``comments`` (the second line of
    each block)."""

    positions: np.ndarray
    charges: np.ndarray
    comments: list


def load_qm7(path: str | Path | None = None) -> QM7:
    """Load QM7.

    Parameters
    ----------
    path : str or Path, optional
        ``qm7.npz`` or the folder that holds it; default
        ``dataset_path('qm7') / 'qm7.npz'``.

    Returns
    -------
    QM7
        ``(positions, charges, energies)`` (float64, int64, float64).
    """
    path = dataset_path("qm7") if path is None else Path(path)
    if path.is_dir():
        path = path / "qm7.npz"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; QM7 is a file qm7.npz with arrays "
                                "positions (angstrom), charges, energies (kcal/mol)")
    with np.load(path) as d:
        missing = {"positions", "charges", "energies"} - set(d.files)
        if missing:
            raise ValueError(f"{path} lacks the arrays {sorted(missing)}; expected positions, "
                             "charges and energies")
        pos = d["positions"].astype(np.float64)
        charges = d["charges"].astype(np.int64)
        energies = d["energies"].astype(np.float64)
    if pos.shape[:2] != charges.shape or pos.shape[-1] != 3 or energies.shape != pos.shape[:1]:
        raise ValueError(f"{path}: inconsistent shapes positions {pos.shape}, charges "
                         f"{charges.shape}, energies {energies.shape}")
    return QM7(pos, charges, energies)


def read_xyz(path: str | Path) -> XYZ:
    """Read an XYZ file of one or several molecules.

    Each block is a line with the atom count, a comment line, then one line
    ``SYMBOL x y z`` per atom (angstrom; a nuclear charge instead of the symbol
    is accepted).

    Returns
    -------
    XYZ
        Positions and charges zero-padded to the largest molecule.
    """
    lines = Path(path).read_text().splitlines()
    symbols = {s.lower(): z for z, s in enumerate(ELEMENTS)}
    molecules, comments, i = [], [], 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        try:
            n = int(lines[i].split()[0])
        except ValueError:
            raise ValueError(f"{path}, line {i + 1}: expected an atom count, got "
                             f"{lines[i]!r}") from None
        if i + 2 + n > len(lines):
            raise ValueError(f"{path}, line {i + 1}: the block announces {n} atoms but the "
                             "file ends before")
        comments.append(lines[i + 1].strip())
        atoms = []
        for k, line in enumerate(lines[i + 2:i + 2 + n]):
            parts = line.split()
            if len(parts) < 4:
                raise ValueError(f"{path}, line {i + 3 + k}: expected 'SYMBOL x y z', "
                                 f"got {line!r}")
            name = parts[0]
            z = int(name) if name.isdigit() else symbols.get(name.lower())
            if z is None:
                raise ValueError(f"{path}, line {i + 3 + k}: unknown element {name!r}")
            atoms.append((z, *(float(v.replace("*^", "e")) for v in parts[1:4])))
        molecules.append(np.array(atoms, dtype=np.float64).reshape(-1, 4))
        i += 2 + n
    width = max((len(m) for m in molecules), default=0)
    pos = np.zeros((len(molecules), width, 3))
    charges = np.zeros((len(molecules), width), dtype=np.int64)
    for k, m in enumerate(molecules):
        pos[k, :len(m)] = m[:, 1:]
        charges[k, :len(m)] = m[:, 0].astype(np.int64)
    return XYZ(pos, charges, comments)
