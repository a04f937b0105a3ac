"""The benchmark workloads of issue 3 (and tiny ones for tests)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Workload:
    """One benchmark row.

    ``kind`` is ``'1d'``, ``'2d'``, ``'3d'`` (a transform applied to a batch
    of ``batch`` random float32 inputs of trailing ``shape``) or ``'ctor'``
    (building a 1D transform and its filters).
    """

    name: str
    kind: str
    params: dict = field(default_factory=dict)
    shape: tuple[int, ...] = ()
    batch: int = 1
    #: whether the issue's table asks for this row (others are for quick checks)
    in_table: bool = True

    def describe(self) -> str:
        par = " ".join(f"{k}={v}" for k, v in self.params.items())
        if self.kind == "ctor":
            return f"constructor 1D {par} N={self.shape[0]}"
        return f"{self.kind.upper()} {par}, {self.batch} x {'x'.join(map(str, self.shape))}"

    def with_batch(self, batch: int | None) -> "Workload":
        if batch is None or self.kind == "ctor":
            return self
        return Workload(self.name, self.kind, self.params, self.shape, batch, self.in_table)


WORKLOADS = {w.name: w for w in [
    Workload("2d-small", "2d", {"J": 2, "L": 8}, (28, 28), 1024),
    Workload("2d-large", "2d", {"J": 4, "L": 8}, (256, 256), 16),
    Workload("1d-small", "1d", {"J": 8, "Q": 12}, (8192,), 64),
    Workload("1d-large", "1d", {"J": 10, "Q": 8}, (65536,), 8),
    Workload("3d", "3d", {"J": 2, "L": 2}, (64, 64, 64), 8),
    Workload("ctor", "ctor", {"J": 16, "Q": 12}, (2**17,), 1),
    Workload("2d-tiny", "2d", {"J": 2, "L": 4}, (28, 28), 8, in_table=False),
    Workload("1d-tiny", "1d", {"J": 4, "Q": 4}, (1024,), 4, in_table=False),
    Workload("3d-tiny", "3d", {"J": 1, "L": 1}, (16, 16, 16), 2, in_table=False),
]}

#: rows run by ``scatkit bench`` without arguments
DEFAULT = [name for name, w in WORKLOADS.items() if w.in_table]
