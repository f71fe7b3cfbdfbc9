"""VOICE: narrated videos of people with PIMD become emotion signals and per-patient models."""

from voice.malloc import limit_arenas

__version__ = "0.1.0"

# Before any thread allocates: glibc's arenas are made per thread and kept (see voice.malloc).
limit_arenas()
