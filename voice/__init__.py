"""VOICE: narrated videos of people with PIMD become emotion signals and per-patient models."""

from voice.malloc_arenas import limit_arenas

__version__ = "0.1.0"

# Before any thread allocates: glibc's arenas are made per thread and kept (see voice.malloc_arenas).
limit_arenas()
