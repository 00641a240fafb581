"""The store: engine and sessions, typed models, the audit chain, the one sequence allocator.

Everything below this package is plain SQLAlchemy; nothing here knows a screen, a command or a
printer (docs/architecture.md).
"""
