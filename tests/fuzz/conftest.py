"""The fuzz suite's run configuration and its report.

``--fuzz-examples N`` and ``--fuzz-report PATH`` are declared in
``tests/conftest.py`` (pytest reads options only from the conftest files it
loads first).  At the end of a long run, or when a report path is given,
the counts (programs tried per dtype, ops covered, loss and optimizer
cases, conventions met) and every mismatch are printed, and written as JSON
to the report path.
"""


def pytest_configure(config):
    from fuzz.report import Config

    Config.examples = config.getoption("fuzz_examples", None)
    Config.report = config.getoption("fuzz_report", None)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from fuzz.report import STATS, Config, long_run

    if not (long_run() or Config.report) or not (STATS.counts or STATS.losses):
        return
    terminalreporter.section("minigrad fuzz report")
    terminalreporter.write_line(STATS.summary())
    if Config.report:
        STATS.write(Config.report)
        terminalreporter.write_line(f"written to {Config.report}")
