"""Station: the queue-and-service station of a kelurahan office."""

__version__ = "0.1.0"
