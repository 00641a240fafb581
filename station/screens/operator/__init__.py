"""The operator app at a counter (``station run``): its App, screens and ``.tcss``."""
