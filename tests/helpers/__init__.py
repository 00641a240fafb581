"""Helpers shared by the test suites: a throwaway PostgreSQL, ESC/POS readers, Pilot prologues."""
