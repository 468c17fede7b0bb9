"""Pure queries: typed records in, a Report out. No rich, typer or tabulate here."""
