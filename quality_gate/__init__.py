"""The publication gate: great-expectations suites generated from the contracts, run before any file is written."""

from quality_gate.gate import GateFailed, GateResult, run_gate

__all__ = ["GateFailed", "GateResult", "run_gate"]
