"""``dawna`` commands run inside the test process, as the installed entry point runs them.

A subprocess costs about 2 s of interpreter start-up per command (issue 23 item 6); most CLI
tests check what a command prints and its exit code, which do not need one. :func:`invoke` calls
:func:`dawna.cli.main` (the console script's entry point: the same error handling, one line on
stderr and exit code 1) with ``sys.argv``, standard streams and environment variables replaced
through click's test isolation, and answers a :class:`subprocess.CompletedProcess` like
``subprocess.run(..., capture_output=True, text=True)`` so that tests read the same.
Settings (``DAWNA_*``) are read afresh for each command and the locale chosen from ``LANG``
stays inside the command (it runs in a copy of the context). A few tests still run the real
script (tests/e2e/test_cli.py: start-up, exit codes).
"""

from __future__ import annotations

import contextvars
import subprocess
import sys
from collections.abc import Mapping

__all__ = ["invoke"]


def invoke(args: list[str], env: Mapping[str, str] | None = None,
           stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``dawna ARGS`` in-process with the environment overrides ``env`` and ``stdin``."""
    from click.testing import CliRunner

    from dawna.cli import main
    from dawna.config import get_settings

    overrides = {"COLUMNS": "200", **(env or {})}
    code = 0
    with CliRunner().isolation(input=stdin, env=overrides) as (out, err, _mixed):
        saved_argv = sys.argv
        sys.argv = ["dawna", *args]
        get_settings.cache_clear()
        try:
            contextvars.copy_context().run(main)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = saved_argv
            get_settings.cache_clear()
            sys.stdout.flush()
            sys.stderr.flush()
        stdout = out.getvalue().decode("utf-8", "replace")
        stderr = err.getvalue().decode("utf-8", "replace")
    return subprocess.CompletedProcess(["dawna", *args], code, stdout, stderr)
