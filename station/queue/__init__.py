"""The shared queue: rules, transactions, counters' state, the poll view, the ``Queue`` facade
(``station.queue.facade``) and the texts of a call."""
