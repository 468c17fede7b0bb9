"""The bundled Alliance dataset (JSON files); see README.md in this folder."""
