"""The built-in letter types, one TOML file each (docs/architecture.md §How to add things).

A package only so that setup.py finds it and the wheel ships its TOML files."""
