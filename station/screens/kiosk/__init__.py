"""The ticket kiosk (``station kiosk``) and its satisfaction survey."""
