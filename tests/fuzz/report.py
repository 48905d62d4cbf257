"""The fuzz run's configuration, hypothesis settings and statistics.

Free of PyTorch, so that ``conftest.py`` can load it where PyTorch is
missing (the fuzz tests then skip).
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, settings


# ------------------------------------------------------------- settings

class Config:
    """Set from the command line by ``tests/fuzz/conftest.py``:
    ``--fuzz-examples N`` (a long run) and ``--fuzz-report PATH``."""

    examples = None
    report = None


def long_run():
    """True under ``--fuzz-examples N``: record mismatches and go on."""
    return Config.examples is not None


def fuzz_settings(default_examples):
    """Hypothesis settings: a small, fixed (derandomized) set of examples in
    the default run; N random ones in a long run, no shrinking there (every
    mismatch is minimised by :func:`localise` and recorded instead)."""
    quiet = list(HealthCheck)
    if not long_run():
        return settings(max_examples=default_examples, deadline=None, derandomize=True,
                        suppress_health_check=quiet)
    return settings(max_examples=Config.examples, deadline=None, derandomize=False,
                    database=None, suppress_health_check=quiet,
                    phases=[Phase.explicit, Phase.generate])


# ------------------------------------------------------------ statistics

@dataclass
class Stats:
    """What a run tried: programs per dtype, ops covered, loss and optimizer
    cases, conventions met, comparisons, and every mismatch."""

    counts: Counter = field(default_factory=Counter)
    ops: Counter = field(default_factory=Counter)
    losses: Counter = field(default_factory=Counter)
    conventions: Counter = field(default_factory=Counter)
    mismatches: list = field(default_factory=list)

    def count(self, key, n=1):
        self.counts[key] += n

    def program(self, program, outcome):
        """Record one program and its outcome (None: out of range)."""
        if outcome is None:
            self.count(f"programs rejected ({program.dtype})")
            return
        self.count(f"programs {program.dtype}")
        if program.hvp_directions is not None:
            self.count(f"programs with hvp {program.dtype}")
        self.ops.update(program.ops)

    def mismatch(self, test, m):
        """Record a mismatch once (hypothesis may draw a program again)."""
        entry = {"test": test, **m.as_dict()}
        if entry not in self.mismatches:
            self.mismatches.append(entry)

    def as_dict(self):
        from fuzz.opdecls import OPS

        drawn = set(self.ops)
        return {"counts": dict(sorted(self.counts.items())),
                "ops_covered": len(drawn), "ops_total": len(OPS),
                "ops_never_drawn": sorted({op.name for op in OPS} - drawn) if drawn else [],
                "ops": dict(sorted(self.ops.items())),
                "loss_cases": dict(sorted(self.losses.items())),
                "conventions": dict(sorted(self.conventions.items())),
                "mismatches": self.mismatches}

    def summary(self):
        d = self.as_dict()
        lines = ["minigrad differential fuzzing against PyTorch"]
        lines += [f"  {k}: {v}" for k, v in d["counts"].items()]
        if self.ops:
            lines.append(f"  ops covered: {d['ops_covered']} of {d['ops_total']}"
                         + (f" (never drawn: {', '.join(d['ops_never_drawn'])})"
                            if d["ops_never_drawn"] else ""))
        if self.losses:
            lines.append(f"  loss cases: {sum(self.losses.values())} over {len(self.losses)} "
                         f"losses")
        if self.conventions:
            lines.append("  documented conventions met: " + ", ".join(
                f"{k} {v}" for k, v in sorted(self.conventions.items())))
        hard = [m for m in self.mismatches if not m["soft"]]
        lines.append(f"  mismatches: {len(hard)}")
        lines.append(f"  precision notes (second derivatives within the floor): "
                     f"{len(self.mismatches) - len(hard)}")
        for m in self.mismatches[:30]:
            lines.append(f"    [{m['test']}]{' (note)' if m['soft'] else ''} {m['what']} "
                         f"({'one op' if m['minimal'] else 'program'}: {', '.join(m['ops'])}) "
                         f"{m['detail']}")
        return "\n".join(lines)

    def write(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            json.dump(self.as_dict(), f, indent=1, default=str)


STATS = Stats()


def settle(test, found):
    """Record ``found`` mismatches; raise the first hard one unless in a
    long run (soft ones, precision notes, are only recorded)."""
    for m in found:
        STATS.mismatch(test, m)
    hard = [m for m in found if not m.soft]
    if hard and not long_run():
        raise AssertionError(hard[0].report())


def assert_no_mismatches(test):
    """At the end of a long run's test: fail if it recorded any mismatch."""
    mine = [m for m in STATS.mismatches if m["test"] == test and not m["soft"]]
    assert not mine, f"{len(mine)} mismatches recorded (see the fuzz report):\n" + "\n".join(
        f"{m['what']}: {m['program']}\n  torch {m['torch']}\n  minigrad {m['minigrad']}"
        for m in mine[:5])
