"""The smallest typer app: one command, one option. bench.py's baseline for start-up cost."""

import typer

app = typer.Typer()


@app.command()
def main(name: str = "x") -> None:
    print(name)


app()
