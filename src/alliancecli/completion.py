"""Shell completion for bash, zsh and fish: the scripts, their installation, quoted values.

Completion itself is click's (typer's vendored copy): the shell runs ``alliance`` with
``_ALLIANCE_COMPLETE=complete_<shell>`` and the words typed so far, and the command prints one
candidate per line. The classes here format candidates so that the shell inserts them as one
word: bash gets them quoted (``'Groupe Renault'``); zsh's ``compadd`` and fish quote what they
insert themselves, so they get the plain value.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

from typer import _click as click
from typer._click.shell_completion import (
    CompletionItem,
    ShellComplete,
    add_completion_class,
    split_arg_string,
)
from typer.core import TyperOption

from .errors import QueryError

SHELLS = ("bash", "zsh", "fish")
VAR = "_ALLIANCE_COMPLETE"

_BASH = """\
_alliance_completion() {
    local IFS=$'\\n'
    COMPREPLY=( $(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \\
                  _ALLIANCE_COMPLETE=complete_bash "$1" 2>/dev/null) )
    return 0
}
complete -o default -F _alliance_completion alliance
"""
_ZSH = """\
#compdef alliance

_alliance() {
    local -a candidates
    candidates=("${(@f)$(env _ALLIANCE_COMPLETE_ARGS="${words[1,$CURRENT]}" \\
                         _ALLIANCE_COMPLETE=complete_zsh alliance 2>/dev/null)}")
    if [[ -n "${candidates[1]}" ]]; then
        compadd -- "${candidates[@]}"
    else
        _files
    fi
}

# As a file on $fpath (autoloaded as _alliance) it completes; sourced, it registers itself.
if [[ "${funcstack[1]}" = "_alliance" ]]; then
    _alliance "$@"
else
    compdef _alliance alliance
fi
"""
_FISH = """\
complete --command alliance --no-files --arguments \
"(env _ALLIANCE_COMPLETE=complete_fish _ALLIANCE_COMPLETE_ARGS=(commandline -cp) alliance)"
"""


class _Lines(ShellComplete):
    """Candidates one per line; the words typed so far come in _ALLIANCE_COMPLETE_ARGS."""

    def source_vars(self) -> dict[str, Any]:
        return {}

    def source(self) -> str:
        return self.source_template

    def get_completion_args(self) -> tuple[list[str], str]:
        typed = os.environ.get("_ALLIANCE_COMPLETE_ARGS", "")
        words = split_arg_string(typed)[1:]
        if words and not typed.endswith(" "):
            return words[:-1], words[-1]
        return words, ""

    def format_completion(self, item: CompletionItem) -> str:
        return str(item.value).replace("\n", " ")

    def complete(self) -> str:
        args, incomplete = self.get_completion_args()
        return "\n".join(self.format_completion(c)
                         for c in self.get_completions(args, incomplete))


class Bash(_Lines):
    name = "bash"
    source_template = _BASH

    def get_completion_args(self) -> tuple[list[str], str]:
        words = split_arg_string(os.environ.get("COMP_WORDS", ""))
        cword = int(os.environ.get("COMP_CWORD", "0") or 0)
        args = words[1:cword]
        return args, words[cword] if cword < len(words) else ""

    def format_completion(self, item: CompletionItem) -> str:
        # bash inserts a candidate as it is: quote it so "Groupe Renault" stays one word.
        return shlex.quote(super().format_completion(item))


class Zsh(_Lines):
    name = "zsh"
    source_template = _ZSH


class Fish(_Lines):
    name = "fish"
    source_template = _FISH


for _cls in (Bash, Zsh, Fish):
    add_completion_class(_cls, _cls.name)


def script(shell: str) -> str:
    """The completion script for ``shell``."""
    return {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}[shell]


def _shell(value: str) -> str:
    """The shell named, or the one this command runs in when none is named."""
    if value:
        name = value.strip().lower()
        if name not in SHELLS:
            raise QueryError(f"no completion for shell '{value}' (valid: {', '.join(SHELLS)})")
        return name
    import shellingham  # type: ignore[import-untyped]  # typer's own dependency, untyped

    try:
        detected = str(shellingham.detect_shell()[0]).lower()
    except shellingham.ShellDetectionFailure:
        detected = ""
    if detected not in SHELLS:
        raise QueryError("cannot tell which shell this is; name it: --show-completion bash "
                         "(or zsh, fish)")
    return detected


def install(shell: str, home: Path) -> Path:
    """Put the script where ``shell`` finds it, and hook it in once; return the script's path."""
    if shell == "fish":
        target = home / ".config" / "fish" / "completions" / "alliance.fish"
        rc, hook = None, ""
    elif shell == "zsh":
        target = home / ".zfunc" / "_alliance"
        rc, hook = home / ".zshrc", "fpath+=~/.zfunc; autoload -Uz compinit; compinit"
    else:
        target = home / ".bash_completions" / "alliance.sh"
        rc, hook = home / ".bashrc", f"source {target}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(script(shell), "utf-8")
    if rc is not None:
        old = rc.read_text("utf-8") if rc.exists() else ""
        if hook not in old:
            with rc.open("a", encoding="utf-8") as f:
                f.write(("" if not old or old.endswith("\n") else "\n") + hook + "\n")
    return target


def _show(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    sys.stdout.write(script(_shell(value)))
    ctx.exit(0)


def _install(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    shell = _shell(value)
    path = install(shell, Path.home())
    print(f"{shell} completion installed in {path}; open a new shell to use it.",
          file=sys.stderr)
    ctx.exit(0)


FLAGS = ("--show-completion", "--install-completion")


def options() -> list[TyperOption]:
    """The root's --show-completion and --install-completion, each taking an optional shell."""
    return [
        TyperOption(param_decls=["--install-completion"], type=str, default=None,
                    metavar="[SHELL]", expose_value=False, is_eager=True, callback=_install,
                    help="Install completion for SHELL (bash, zsh or fish; default: the shell "
                         "you are in)."),
        TyperOption(param_decls=["--show-completion"], type=str, default=None,
                    metavar="[SHELL]", expose_value=False, is_eager=True, callback=_show,
                    help="Print the completion script for SHELL (bash, zsh or fish; default: "
                         "the shell you are in)."),
    ]


def optional_shell(args: list[str]) -> list[str]:
    """Let --show-completion and --install-completion be given with or without a shell.

    typer's options either take a value or not; the group (LazyGroup.parse_args) hands click
    ``--show-completion=bash`` or ``--show-completion=`` instead.
    """
    out: list[str] = []
    it = iter(range(len(args)))
    for i in it:
        arg = args[i]
        if arg in FLAGS:
            shell = args[i + 1] if i + 1 < len(args) and not args[i + 1].startswith("-") \
                else None
            if shell is not None:
                next(it, None)
            arg = f"{arg}={shell or ''}"
        out.append(arg)
    return out
