"""The ``alliance`` command: a typer app, run so that no input ends in a traceback."""

from __future__ import annotations

import functools
import gc
import importlib
import os
import sys
from typing import Annotated

import typer
from typer import _click as click
from typer.core import TyperGroup

from .errors import AllianceError, ReaderGone
from .options import State

HELP = """Query the Renault–Nissan–Mitsubishi Alliance: sales, EVs, stakes, timeline, plants.

Every figure comes from a curated dataset with the exact quote behind it (--cite).

Examples:

  alliance sales --year 2017

  alliance timeline --from 2010

  alliance sales -f csv | csvstat
"""


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"alliance {version('alliancecli')}")
        raise typer.Exit()


def root(
    version: Annotated[bool, typer.Option(
        "--version", "-V", callback=_version, is_eager=True,
        help="Print the version and exit.")] = False,
    data: Annotated[str | None, typer.Option(
        "--data", envvar="ALLIANCE_DATA", metavar="DIR", show_default=False,
        help="Read the dataset from DIR (laid out like the bundled data/) instead.")] = None,
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show a traceback on errors (also ALLIANCE_DEBUG=1).")] = False,
    no_color: Annotated[bool, typer.Option(
        "--no-color", help="No colour in any output, help included (also NO_COLOR, "
                           "TERM=dumb).")] = False,
) -> None:
    if data is not None and not data.strip():
        raise typer.BadParameter("needs a directory; '' is not one (leave --data out for the "
                                 "bundled dataset)", param_hint="'--data'")
    State.data_path = data
    State.no_color = no_color
    State.debug = debug or os.environ.get("ALLIANCE_DEBUG", "") not in ("", "0")


COMMANDS: dict[str, tuple[str, str]] = {
    "sales": ("sales", "sales"),
    "ev": ("ev", "ev_app"),
    "stakes": ("stakes", "stakes"),
    "timeline": ("timeline", "timeline"),
    "plants": ("plants", "plants"),
    "sql": ("sql", "sql"),
    "export": ("sql", "export"),
    "check": ("meta", "check"),
    "sources": ("meta", "sources"),
    "about": ("meta", "about"),
    "init-data": ("meta", "init_data"),
}
"""Every command: its name, and the module under ``commands/`` and the function (or typer app)
that defines it. Only the command that runs is imported (see LazyGroup)."""


class LazyGroup(TyperGroup):
    """A command group that imports a command's module only when that command is needed.

    Building every command's options costs more than running most commands, so a run pays only
    for its own (click's documented lazy-loading pattern); help and completion ask for each.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from .completion import optional_shell

        return super().parse_args(ctx, optional_shell(args))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return command(cmd_name) if cmd_name in COMMANDS else None


@functools.cache
def command(name: str) -> click.Command:
    """The click command called ``name``, built from its module on first use."""
    module, attr = COMMANDS[name]
    target = getattr(importlib.import_module(f"{__package__}.commands.{module}"), attr)
    if not isinstance(target, typer.Typer):
        app = typer.Typer(add_completion=False)
        app.command(name)(target)
        target = app
    built = typer.main.get_command(target)
    built.name = name
    return built


def build_app() -> typer.Typer:
    """The typer app: the root options, with every command loaded lazily."""
    app = typer.Typer(
        name="alliance",
        cls=LazyGroup,
        add_completion=False,  # completion.options(): scripts that quote, for a named shell
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    return app


def _quiet_stdout() -> None:
    """After the reader has gone, point stdout at /dev/null so the exit flush stays silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _error(message: str) -> None:
    from .text import strip_controls

    try:
        print(f"alliance: error: {strip_controls(message)}", file=sys.stderr)
    except (OSError, ValueError):
        pass


EXIT_READER_GONE = 141
"""Exit status when the reader closed the pipe (EPIPE), for every command and format."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return its exit code (0 ok, 1 data or runtime error, 2 usage, 130 Ctrl-C)."""
    for stream in (sys.stdout, sys.stderr):
        # A table on a latin-1 or ascii stream degrades to '?' instead of crashing.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    # One short run makes no garbage cycles worth collecting, but with a large dataset loaded
    # every full collection walks all of it again: the query and output of a 200,000-event
    # timeline ran 4x slower with the collector on. It is restored for in-process callers.
    collecting = gc.isenabled()
    gc.disable()
    try:
        code = _run(argv)
        sys.stdout.flush()
    except (BrokenPipeError, ReaderGone):
        # The reader left (| head, | true): end quietly, and keep the exit flush quiet too.
        # 141 is what a shell reports for a tool killed by SIGPIPE (128 + 13), as cat or grep
        # would be: `set -o pipefail` scripts see alliance exactly as they see those tools.
        _quiet_stdout()
        return EXIT_READER_GONE
    except OSError as e:  # a full disk, a closed terminal, a file that went away
        _quiet_stdout()
        where = f" ({e.filename})" if e.filename else ""
        _error(f"{e.strerror or e}{where}")
        return 1
    finally:
        if collecting:
            gc.enable()
    return code


def _run(argv: list[str] | None) -> int:
    from typer import Abort, Exit
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    from .completion import options as completion_options

    State.data_path, State.no_color, State.only = None, False, None
    State.debug = os.environ.get("ALLIANCE_DEBUG", "") not in ("", "0")
    args = sys.argv[1:] if argv is None else argv
    _plain_help_unless_coloured(args)
    try:
        group = typer.main.get_command(build_app())
        group.params.extend(completion_options())
        rv = group.main(args=args, prog_name="alliance", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except Exit as e:
        return e.exit_code
    except SystemExit as e:
        # typer and rich answer an EPIPE while writing help with exit 1: the reader has gone,
        # which is one status for every output.
        cause: BaseException | None = e.__context__
        while cause is not None:
            if isinstance(cause, BrokenPipeError | ReaderGone):
                raise ReaderGone() from None
            cause = cause.__context__
        raise
    except ReaderGone:
        raise
    except (KeyboardInterrupt, Abort):
        _error_newline()
        return 130
    except NoArgsIsHelpError as e:
        if e.format_message():  # rich help has printed itself already
            print(e.format_message())
        return 0
    except ClickException as e:
        _error(_format_hint(e) or e.format_message() + _hint(e))
        return e.exit_code
    except OSError:
        raise  # writing the output failed; main() reports it
    except AllianceError as e:
        if State.debug:
            raise
        _error(str(e))
        return e.exit_code
    except RecursionError:
        if State.debug:
            raise
        _error("input nested too deeply")
        return 1
    except Exception as e:
        if State.debug:
            raise
        _error(f"internal error: {type(e).__name__}: {e} (run with --debug for a traceback; "
               "this is a bug, please report it)")
        return 1


def _plain_help_unless_coloured(args: list[str]) -> None:
    """Help obeys NO_COLOR, TERM=dumb and --no-color like every other output.

    typer's help is drawn by rich, which keeps bold and dim under NO_COLOR; with colour off it
    gets no colour system at all. rich is imported here only for a run that prints help.
    """
    from .output import color_enabled

    wants_help = not args or "-h" in args or "--help" in args or args[-1] == "ev"
    if wants_help and not color_enabled("--no-color" in args):
        import typer.rich_utils

        typer.rich_utils.COLOR_SYSTEM = None
        typer.rich_utils.FORCE_TERMINAL = False


def _format_hint(e: Exception) -> str | None:
    """``--markdown`` and ``--github`` are not options, but they name formats: say so."""
    from typer._click.exceptions import NoSuchOption

    from .output import ALL_FORMATS

    if not isinstance(e, NoSuchOption) or not e.option_name.startswith("--"):
        return None
    name = e.option_name[2:].lower()
    if name not in ALL_FORMATS:
        return None
    return f"No such option: {e.option_name} (for the {name} format, use -f {name})"


def _hint(e: Exception) -> str:
    ctx = getattr(e, "ctx", None)
    if ctx is None:
        return ""
    return f" (see '{ctx.command_path} --help')"


def _error_newline() -> None:
    try:
        print(file=sys.stderr)
    except (OSError, ValueError):
        pass
