"""The inbox conformance suite, run against memory, a real SQLite file and a real Redis."""
