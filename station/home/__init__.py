"""The station home: ``station.toml`` and its editing, signing keys, backup and restore, the
demo office, and opening a station (config + database + office) for every process."""
