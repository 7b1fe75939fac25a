"""Tests of the callback models: every kind parsed from a fixture, every field checked."""
