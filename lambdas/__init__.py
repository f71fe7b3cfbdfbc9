"""Thin AWS Lambda handlers over the VOICE core: event → core call → result.

Every handler lives in the same container image (docker/lambda.Dockerfile); the stack picks
one with the image command, e.g. ``lambdas.analyze.handler``. Module import stays light
(stdlib, pydantic, Powertools): the core's heavy modules load inside the handlers that need them.
"""
