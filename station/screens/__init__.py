"""The Textual face: one subpackage per app (operator, kiosk, board), shared widgets and the
screen base. Screens are thin: they call the core and draw (docs/architecture.md)."""
