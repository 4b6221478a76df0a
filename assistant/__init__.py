"""Dastyar core: configuration, state, jobs and services (no agent or UI knowledge)."""

from assistant.runtime_env import apply_runtime_env

apply_runtime_env()

__version__ = "0.1.0"
