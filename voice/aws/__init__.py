"""VOICE on AWS: everything that talks to boto3 lives in this package (a test checks it).

In: the core's functions and the stack's resources. Out: the same work against real buckets,
tables and state machines. ``s3`` (the S3 store), ``history`` (the training-history table: the
gate's lock and the run rows), ``outputs`` (the stack's outputs, shared with ``infra/``), ``flow``
(what the training state machine's tasks take and return), ``long_videos`` (the long-video state
machine's steps), ``artifacts`` (a SageMaker job's output → a run), ``ref_key`` (the secret key of
patient references), ``clients`` (cached clients for the Lambdas), ``access`` (set-up checks for
``voice cloud``: region, credentials, access), ``commands`` (``voice cloud …``).
"""
