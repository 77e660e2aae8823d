"""syncdoc: explains Linnworks sync errors pasted into Slack or a terminal."""

__version__ = "0.1.0"
