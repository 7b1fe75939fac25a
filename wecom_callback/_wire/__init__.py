"""Wire formats at the bottom of the house: the secure XML reader and the one XML writer."""

from .xml import parse_xml, read_envelope

__all__ = ["parse_xml", "read_envelope"]
