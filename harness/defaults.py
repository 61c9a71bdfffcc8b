"""Defaults every layer shares (no imports: anything may import this module).

DEFAULT_REGION is the tutorial's region (its ARNs say us-west-1); the embedded stack, deploys, replays and the
CLI use it unless a region is given. LocalStack's own default (us-east-1) lives with the LocalStack target.
"""
from __future__ import annotations

DEFAULT_REGION = "us-west-1"
