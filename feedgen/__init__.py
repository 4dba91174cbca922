"""Synthetic producer feeds for the credit-information warehouse (市场监管企业信用信息归集的模拟报送数据).

``generate(out_dir, entities=…, seed=…)`` writes what the ten producing departments would deliver —
one folder per producer, one file per batch period, in each producer's own format and column naming —
with realistic Chinese content and a recorded set of planted faults. See :mod:`feedgen.generator`.
"""

from feedgen.generator import GenerationReport, generate

__all__ = ["GenerationReport", "generate"]
