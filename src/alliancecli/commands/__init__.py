"""Thin command modules: parse options, load records, run a query, emit the report."""
