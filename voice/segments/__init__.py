"""A long video in segments: plan → segments → join → redraws → merge, each a step.

In: a prepared session (:mod:`voice.session.prepare`). Out: the same outputs as one pass. The plan
(:mod:`~voice.segments.plan`), the pass on one segment (:mod:`~voice.segments.segment_pass`),
tracks joined across cuts (:mod:`~voice.segments.joining`), the steps that read and write the
intermediate files (:mod:`~voice.segments.steps`, :mod:`~voice.segments.workspace`), the last one
(:mod:`~voice.segments.merge_step`). Locally the steps run in a pool of processes
(:mod:`~voice.segments.local_pool`); on AWS each is a task of a state machine
(:mod:`voice.aws.long_videos`).
"""
