"""minigrad's benchmark suite: ``python -m benchmarks``."""
