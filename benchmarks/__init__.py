"""minigrad's benchmark suite: ``python -m benchmarks``.

Every implementation runs single-threaded (BLAS and PyTorch), so that the
ratios compare the libraries rather than thread scheduling on a small
machine; ``--threads`` changes that.  BLAS reads its thread count when numpy
is first imported, which is why it is set here, before anything imports
numpy.
"""
import os
import sys

_threads = "1"
for i, arg in enumerate(sys.argv):
    if arg == "--threads" and i + 1 < len(sys.argv):
        _threads = sys.argv[i + 1]
    elif arg.startswith("--threads="):
        _threads = arg.split("=", 1)[1]
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _threads)
# jax (when installed) on the CPU, with as many threads as the others
os.environ.setdefault("JAX_PLATFORMS", "cpu")
if _threads == "1":
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                          "intra_op_parallelism_threads=1")
