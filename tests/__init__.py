"""Tests mirror the package layout: tests/test_<module>.py for footprint/<module>.py."""
