"""The VOICE AWS deployment: a CDK app (``app.py``), one stack, one construct per component."""
