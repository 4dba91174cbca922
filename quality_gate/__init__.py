"""The publication gate: great-expectations suites generated from the contracts, run before any file is written."""

from quality_gate.gate import GateFailed, GateResult, check_extract, enforce, run_gate

__all__ = ["GateFailed", "GateResult", "check_extract", "enforce", "run_gate"]
