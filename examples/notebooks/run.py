"""Execute the tutorial notebooks, top to bottom, in a fresh kernel each.

    python examples/notebooks/run.py                 # re-execute all, save outputs in place
    python examples/notebooks/run.py 02_logistic_regression.ipynb
    python examples/notebooks/run.py --check         # execute copies; report saved outputs
                                                     # that differ from fresh ones (exit 1)

Each prints how long each notebook took.

The kernel is this interpreter (``sys.executable -m ipykernel_launcher``), not
whatever kernel named ``python3`` Jupyter finds first, and it imports minigrad
from this checkout (the repository root goes first on ``PYTHONPATH``). Its
working directory is this folder. Needs ``pip install "minigrad[notebooks,plot,data]"``.

A notebook with an error (or a warning on stderr) is reported, not saved.
tests/test_notebooks.py uses :func:`execute_all`, :func:`errors` and :func:`compare`.
"""
import argparse
import asyncio
import copy
import difflib
import os
import re
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 300          # seconds per cell


def notebooks():
    """The notebooks' paths, in order."""
    return [os.path.join(HERE, f) for f in sorted(os.listdir(HERE)) if f.endswith(".ipynb")]


def _kernel_manager(socket_dir):
    """A kernel manager whose ``python3`` kernel is this interpreter."""
    from ipykernel.kernelspec import RESOURCES
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f",
                                    "{connection_file}"],
                              display_name="Python 3 (ipykernel)", language="python",
                              resource_dir=RESOURCES)

    options = {}
    if os.name == "posix":  # local sockets, not TCP ports (and no "without encryption" warning)
        options = dict(transport="ipc", ip=os.path.join(socket_dir, "kernel"))
    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=ThisPython(), **options)


def _kernel_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
    env["JUPYTER_PLATFORM_DIRS"] = "1"              # jupyter_core's path-migration warning
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"     # debugpy's frozen-modules note
    env.pop("MPLBACKEND", None)                     # the kernel's inline backend
    return env


async def _execute(path, timeout):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as socket_dir:
        # allow_errors: run to the end, so that an error is an output to report (see errors())
        client = NotebookClient(nb, km=_kernel_manager(socket_dir), timeout=timeout,
                                allow_errors=True, record_timing=False,
                                resources={"metadata": {"path": HERE}})
        await client.async_execute(cleanup_kc=True, env=_kernel_env())  # shut it down after
    seconds = time.perf_counter() - start
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce(cell.outputs)
    return nb, seconds


def execute_all(paths=None, timeout=TIMEOUT, parallel=True):
    """Execute copies of ``paths`` (default: every notebook here); return
    ``{path: (executed notebook, seconds)}``. The files are not changed."""
    paths = notebooks() if paths is None else list(paths)

    async def run():
        if parallel:
            return await asyncio.gather(*(_execute(p, timeout) for p in paths))
        return [await _execute(p, timeout) for p in paths]

    return dict(zip(paths, asyncio.run(run())))


def errors(nb):
    """What went wrong in an executed notebook: one line per error output and per
    stderr output that says Warning, Traceback or Error."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"cell {i}: {out.ename}: {out.evalue}")
            elif (out.output_type == "stream" and out.name == "stderr"
                  and re.search(r"Warning|Traceback|Error", out.text)):
                found.append(f"cell {i} wrote to stderr: {out.text.strip()}")
    return found


# ------------------------------------------------------------------ comparing outputs

def coalesce(outputs):
    """Consecutive stream outputs of the same stream as one (how a print's text is cut
    into outputs depends on when the kernel flushed)."""
    merged = []
    for out in outputs:
        if (out.output_type == "stream" and merged and merged[-1].output_type == "stream"
                and merged[-1].name == out.name):
            merged[-1].text += out.text
        else:
            merged.append(copy.deepcopy(out))
    return merged


_NOISE = [
    # memory addresses
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x..."),
    # timings: "0.12 s", "3ms", "40 us"
    (re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:e-?\d+)?\s?(?:s|ms|us|µs|ns)\b"), "<time>"),
    # rounding noise: a number below 1e-7 written with an exponent (the mean of gradients
    # that cancel, say), whose digits differ between CPUs' numpy and BLAS kernels
    (re.compile(r"[-+]?\d(?:\.\d+)?e-(?:0?[89]|[1-9]\d+)\b"), "~0"),
]


def normalise(text):
    """``text`` without what changes from run to run or machine to machine: times,
    addresses, rounding noise below 1e-7, and the widths of the spaces that align
    columns of numbers."""
    for pattern, replacement in _NOISE:
        text = pattern.sub(replacement, text)
    return re.sub(r"[ \t]+", " ", text)


def outputs_text(nb):
    """Each code cell's outputs as comparable text: streams, text/plain and
    text/html (normalised), errors; images only as their type."""
    cells = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        lines = [f"--- cell {i}: {cell.source.splitlines()[0] if cell.source else ''}"]
        for out in coalesce(cell.get("outputs", [])):
            if out.output_type == "stream":
                lines.append(f"[{out.name}]\n{normalise(out.text)}")
            elif out.output_type in ("execute_result", "display_data"):
                for mime in sorted(out.data):
                    if mime in ("text/plain", "text/html"):
                        lines.append(f"[{mime}]\n{normalise(out.data[mime])}")
                    else:
                        lines.append(f"[{mime}]")
            elif out.output_type == "error":
                lines.append(f"[error] {out.ename}: {normalise(out.evalue)}")
        cells.append("\n".join(lines))
    return "\n".join(cells).splitlines()


def compare(saved, fresh, name="notebook"):
    """The unified diff of two notebooks' outputs ('' when they agree)."""
    return "\n".join(difflib.unified_diff(outputs_text(saved), outputs_text(fresh),
                                          f"{name} (saved)", f"{name} (fresh)", lineterm=""))


def main(argv=None):
    import nbformat

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="notebook file names (default: all)")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if saved outputs differ from fresh ones")
    args = ap.parse_args(argv)
    paths = [os.path.join(HERE, os.path.basename(n)) for n in args.names] or notebooks()
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        ap.error(f"no such notebook: {', '.join(map(os.path.basename, missing))}")
    status = 0
    for path, (nb, seconds) in execute_all(paths).items():
        name = os.path.basename(path)
        problems = errors(nb)
        if problems:
            print(f"{name}: {seconds:.1f} s, not saved:\n  " + "\n  ".join(problems))
            status = 1
        elif args.check:
            diff = compare(nbformat.read(path, as_version=4), nb, name)
            print(f"{name}: {seconds:.1f} s, " + ("outputs up to date" if not diff else
                                                 "saved outputs differ:\n" + diff))
            status |= bool(diff)
        else:
            nbformat.write(nb, path)
            print(f"{name}: executed in {seconds:.1f} s, saved")
    return status


if __name__ == "__main__":
    sys.exit(main())
