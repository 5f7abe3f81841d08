"""hischange: auditable change records for hospital information systems."""

__version__ = "0.1.0"
