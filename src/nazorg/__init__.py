"""nazorg: aftercare follow-up scheduler and notifier."""

__version__ = "0.1.0"
