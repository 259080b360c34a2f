"""The ``pipcache-ext`` command line: pip's ``cache`` verbs for any interpreter.

Modules, each one concern, imports running down this list:

- ``app``: :func:`main`; parsing, the command table, exit codes for every failure, ``-v`` logging.
- ``query`` (``dir``, ``info``, ``list``), ``delete`` (``remove``, ``purge``),
  ``inventory`` (``survey``, ``interpreters``): the commands.
- ``fanout``: one action over several interpreters, in parallel; discovery; exit codes.
- ``terminal``: stdout, stderr, the progress line, questions.
- ``options``: the argparse grammar and the checked :class:`~.options.Options`.
- ``text``: human output (sizes, bars, tables); ``documents``: the ``--json`` documents;
  ``messages``: errors in command-line words.

Exit codes: 0 success; 1 the operation failed; 2 usage error; 3 partial (with several
interpreters, some failed and others succeeded); 130 interrupted.
"""

from __future__ import annotations

from .app import main

__all__ = ["main"]
