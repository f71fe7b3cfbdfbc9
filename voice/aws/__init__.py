"""VOICE on AWS: everything that talks to boto3 lives in this package (a test checks it).

``s3`` (the S3 store), ``history`` (the training-history table: the gate's lock and the run
rows), ``outputs`` (the stack's outputs, shared with ``infra/``), ``flow`` (what the training
state machine's tasks take and return), ``artifacts`` (a SageMaker job's output → a run),
``refs`` (keyed patient references), ``clients`` (cached clients for the Lambdas), ``session``
(set-up checks for ``voice cloud``), ``cli`` (``voice cloud …``).
"""
