"""VOICE: narrated videos of people with PIMD become emotion signals and per-patient models."""

__version__ = "0.1.0"
