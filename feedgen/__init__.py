"""Synthetic producer feeds for the credit-information warehouse (市场监管企业信用信息归集的模拟报送数据).

``generate(out_dir, entities=…, seed=…)`` writes what the ten producing departments would deliver —
one folder per producer, one file per batch period, in each producer's own format and column naming —
with realistic Chinese content and a recorded set of planted faults. See :mod:`feedgen.generator`;
``next_day(out_dir)`` adds the deliveries of the day after the last receipt (:mod:`feedgen.next_day`).
"""

from feedgen.generator import GenerationReport, generate
from feedgen.next_day import NextDayReport, next_day

__all__ = ["GenerationReport", "NextDayReport", "generate", "next_day"]
