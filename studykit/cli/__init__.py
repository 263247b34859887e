"""The `studykit` command: one typer group per area, each a thin layer over library functions.

Bare `studykit` opens the study TUI. Nothing imported here loads torch or transformers; the lab
commands import the engine only when a lab actually runs.
"""

from __future__ import annotations

import errno
import os
import sys
from contextlib import suppress

import typer

import studykit.cli.help_format  # noqa: F401  (for its effect: a flag shows no <bool> in --help)
from studykit.cli import browse, deck, lab, model, progress, settings, stats, study

app = typer.Typer(
    name="studykit",
    help="Learn how language models are adapted: flashcards, quizzes and live experiments.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(deck.app, name="deck")
app.add_typer(lab.app, name="lab")
app.add_typer(model.app, name="model")
app.add_typer(progress.app, name="progress")
study.register(app)
stats.register(app)
browse.register(app)
settings.register(app)


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    """With no command, open the study TUI over the bundled decks."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(study.study_command)


# How a write to standard output fails: the disk behind `> file` is full (or /dev/full), or the
# reader of a pipe has gone (`| head`).
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EPIPE})


def main() -> None:
    try:
        try:
            app()
        finally:
            # Output still in the buffer would otherwise be written at interpreter exit, where a
            # failure is a traceback-like "Exception ignored" message and exit status 120.
            if sys.stdout is not None:
                sys.stdout.flush()
    except BrokenPipeError:
        _drop_stdout()
        raise SystemExit(1) from None  # the reader stopped reading: nothing more to say
    except OSError as error:
        if error.filename is not None or error.errno not in _OUTPUT_ERRNOS:
            raise  # a file the command opened: the command reports those itself
        _drop_stdout()
        reason = os.strerror(error.errno)
        with suppress(OSError):
            typer.echo(f"error: cannot write to standard output: {reason}", err=True)
        raise SystemExit(1) from None
    except Exception as error:
        # A progress database that fails mid-command (locked, full disk, damaged) is one line.
        from studykit.study.store import StoreError

        if not isinstance(error, StoreError):
            raise
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None


def _drop_stdout() -> None:
    """Point standard output at the null device, so the flush at exit has somewhere to go."""
    with suppress(OSError, ValueError):  # no file descriptor (a test's stream): nothing to do
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
