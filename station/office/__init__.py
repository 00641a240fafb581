"""The office: its row, services and counters, operators and their sign-in, opening hours."""
