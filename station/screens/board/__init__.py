"""The waiting-room display board (``station board``) with spoken calls."""
