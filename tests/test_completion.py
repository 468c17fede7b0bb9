"""Shell completion completes values (members, models, countries, tags, formats, columns)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BIN, ROOT, clean_env, run

README = (ROOT / "README.md").read_text("utf-8")


@pytest.mark.parametrize(("words", "expected"), [
    ("alliance sales --member n", ["nissan"]),
    ("alliance sales --member Mi", ["Mitsubishi", "'Mitsubishi Motors'"]),
    ("alliance ev models --model tw", ["twizy", "twitzy"]),
    ("alliance plants --country b", ["brazil"]),
    ("alliance stakes --holder daim", ["daimler", "'daimler AG'"]),
    ("alliance timeline --tag o", ["ownership"]),
    ("alliance sales -f gr", ["grid"]),
    ("alliance sales --sort yoy", ["yoy_units", "yoy_pct"]),
    ("alliance stakes --columns holder,ta", ["holder,target"]),
])
def test_completion_offers_values(words: str, expected: list[str]) -> None:
    """bash gets a value with a space quoted, so that it is inserted as one word."""
    env = clean_env(_ALLIANCE_COMPLETE="complete_bash", COMP_WORDS=words,
                    COMP_CWORD=str(len(words.split()) - 1))
    r = run(env=env)
    assert r.code == 0, r.err
    assert r.out.splitlines() == expected


# --- in the real shells, installed the way the README says ----------------------------------

README_INSTALL = {
    "bash": "alliance --show-completion bash >> ~/.bashrc",
    "zsh": "mkdir -p ~/.zfunc && alliance --show-completion zsh > ~/.zfunc/_alliance",
    "fish": "mkdir -p ~/.config/fish/completions && "
            "alliance --show-completion fish > ~/.config/fish/completions/alliance.fish",
}
# Each shell, after the README's install line, asked to complete `alliance sales --member Gr`:
# bash through the function the script registers, zsh through the autoloaded _alliance (with
# compadd recording what it is given), fish through its own `complete -C`.
COMPLETE = {
    "bash": 'source ~/.bashrc; COMP_WORDS=(alliance sales --member Gr); COMP_CWORD=3; '
            '_alliance_completion alliance; printf "%s\\n" "${COMPREPLY[@]}"',
    "zsh": 'fpath=(~/.zfunc $fpath); autoload -Uz compinit; compinit -u -D; '
           'compadd() { shift; print -rl -- "$@" }; '
           'words=(alliance sales --member Gr); CURRENT=4; _alliance',
    "fish": 'complete -C "alliance sales --member Gr"',
}
INSERTED = {"bash": "'Groupe Renault'", "zsh": "Groupe Renault", "fish": "Groupe Renault"}


def _shell_env(home: Path) -> dict[str, str]:
    return clean_env(HOME=str(home), PATH=f"{BIN.parent}:{os.environ.get('PATH', '')}",
                     XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local"))


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_readme_install_line_completes_a_value_in_the_real_shell(shell: str,
                                                                 tmp_path: Path) -> None:
    exe = shutil.which(shell)
    if exe is None:
        pytest.skip(f"{shell} is not installed here (.ci/run installs it)")
    assert README_INSTALL[shell] in README, "the README's install line changed"
    env = _shell_env(tmp_path)
    subprocess.run([exe, "-c", README_INSTALL[shell]], env=env, check=True, timeout=60)
    flags = ["-f"] if shell == "zsh" else []
    p = subprocess.run([exe, *flags, "-c", COMPLETE[shell]], env=env, capture_output=True,
                       timeout=60)
    lines = p.stdout.decode().splitlines()
    assert INSERTED[shell] in lines, (p.stdout, p.stderr)


def test_a_completed_value_with_a_space_runs_as_one_word(tmp_path: Path) -> None:
    """What bash inserts for `--member Gr` is a command that runs, with the member it named."""
    env = _shell_env(tmp_path)
    p = subprocess.run(["bash", "-c", 'source <(alliance --show-completion bash); '
                        'COMP_WORDS=(alliance sales --member Gr); COMP_CWORD=3; '
                        '_alliance_completion alliance; '
                        'eval "alliance sales --year 2017 --member ${COMPREPLY[0]} -f csv"'],
                       env=env, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode().splitlines() == [
        '"year","member","units","share_pct","yoy_units","yoy_pct","qualifier"',
        '2017,"Renault",3761634,35.46,579009,18.19,']


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_named_shells_script(shell: str) -> None:
    r = run("--show-completion", shell)
    assert r.code == 0, r.err
    marker = {"bash": "complete -o default -F _alliance_completion alliance",
              "zsh": "#compdef alliance", "fish": "complete --command alliance"}[shell]
    assert marker in r.out
    others = [m for s, m in {"bash": "COMPREPLY", "zsh": "compadd",
                             "fish": "complete --command"}.items() if s != shell]
    assert not any(m in r.out for m in others)


def test_show_completion_for_an_unknown_shell_is_a_usage_error() -> None:
    r = run("--show-completion", "tcsh")
    assert r.code == 2
    assert r.err.strip() == ("alliance: error: no completion for shell 'tcsh' "
                             "(valid: bash, zsh, fish)")


def test_install_completion_writes_the_script_and_hooks_it_in_once(tmp_path: Path) -> None:
    env = _shell_env(tmp_path)
    for _ in range(2):
        r = run("--install-completion", "bash", env=env)
        assert r.code == 0, r.err
    script = tmp_path / ".bash_completions" / "alliance.sh"
    assert script.read_text("utf-8") == run("--show-completion", "bash").out
    assert (tmp_path / ".bashrc").read_text("utf-8").count(f"source {script}") == 1
