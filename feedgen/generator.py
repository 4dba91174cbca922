"""The generate() entry point: chunked, deterministic generation of every contract's feed.

Flow per chunk of entities (``config.chunk_size``): build the entities, derive every feed's records in
process order (registry → licences/penalties → inspections → abnormal list → objections → corrections
→ serious list → repairs → external documents → commitments → risk warnings), then append each feed's rows to its
batch files with planted faults. Nothing but small counters survives a chunk, so memory stays flat and
run time grows linearly with ``entities``.

Determinism: every random draw comes from ``np.random.default_rng([seed, chunk, stream])``, chunks run
in order, and mtimes are derived from the seed — the same arguments give byte-identical files.

Parallel (``workers`` > 1): building a chunk cannot leave the main process — names already taken, legal
representatives' ID counters and every register's running sequence numbers continue from the chunks before it — but
rendering its rows into batch-file bytes (ordering, planted faults, CSV/JSON, encodings; ~60 % of the run time)
depends on nothing but the chunk. So the main process builds the chunks in order, forks a process per built chunk
(at most ``workers - 1`` at a time) to render it, and appends what comes back in chunk order
(:meth:`FeedWriter.commit`: headers, fault row numbers): the files are byte-identical for every worker count.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from contracts import load_contracts
from feedgen import core_feeds, publication, punishment, risk, supervision_feeds
from feedgen.config import DEFAULT_CONFIG, FEED_FORMATS, GeneratorConfig, default_workers
from feedgen.entities import EntityFactory
from feedgen.faults import FaultPlanter
from feedgen.reference import load_geo, load_industries
from feedgen.table import ChunkContext, RunState, Table
from feedgen.timeline import Timeline
from feedgen.writer import FaultSink, FeedWriter, Rendered, Withheld
from ground.files import atomic_write_json

MANIFEST_DIR = "_generator"
SUMMARY = "summary.json"
FAULTS = "faults.jsonl"
FEED_ORDER = (
    "registry",
    "licences",
    "penalties",
    "inspections",
    "abnormal_list",
    "serious_list",
    "court_judgments",
    "credit_repairs",
    "objections",
    "credit_commitments",
    "punishment_feedback",
    "risk_warnings",
    "disclosure_holds",
)


@dataclass
class GenerationReport:
    """What a generate() run wrote. Paths are relative to ``out_dir``."""

    out_dir: Path
    files: list[Path]
    rows_by_feed: dict[str, int]
    faults_by_kind: dict[str, int]
    faults_by_feed: dict[str, dict[str, int]]
    seconds: float
    entities: int = 0
    producers: list[str] = field(default_factory=list)
    delivered_at: dict[str, str] = field(default_factory=dict)  # relative path → ISO time (Asia/Shanghai)
    templates: dict[str, str] = field(default_factory=dict)  # relative path → national template generation

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_feed.values())

    @property
    def total_faults(self) -> int:
        return sum(self.faults_by_kind.values())


def generate(
    out_dir: Path,
    *,
    entities: int = 2000,
    seed: int = 42,
    start: date = date(2023, 7, 1),
    end: date = date(2026, 10, 31),
    province: str = "31",
    fault_rate: float = 0.01,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> GenerationReport:
    """Write synthetic producer feeds for ``entities`` market entities of ``province`` into ``out_dir``.

    Refuses (FileExistsError) to write into a non-empty folder unless it holds only a previous run's
    output (``_generator/summary.json`` and the producer folders it lists), which is then replaced.
    ``workers``: processes to use (None: :func:`feedgen.config.default_workers`); the files do not depend on it.
    """
    return run(
        Path(out_dir),
        entities=entities,
        seed=seed,
        start=start,
        end=end,
        province=province,
        fault_rate=fault_rate,
        progress=progress,
        config=DEFAULT_CONFIG,
        workers=workers,
    )


def _prepare(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"输出路径 {out_dir} 已存在且不是目录")
    if not out_dir.exists():
        out_dir.mkdir(parents=True)
        return
    entries = sorted(out_dir.iterdir())
    if not entries:
        return
    summary = out_dir / MANIFEST_DIR / SUMMARY
    if not summary.is_file():
        raise FileExistsError(
            f"{out_dir} is not empty and holds no previous feed-generator output ({MANIFEST_DIR}/{SUMMARY}); "
            "refusing to write into it"
        )
    previous = json.loads(summary.read_text(encoding="utf-8"))
    allowed = set(previous.get("producers", [])) | {MANIFEST_DIR}
    foreign = [p.name for p in entries if p.name not in allowed]
    if foreign:
        raise FileExistsError(
            f"{out_dir} holds files that are not from a previous generate() run: {', '.join(foreign[:5])}; "
            "refusing to overwrite"
        )
    for p in entries:
        shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()


def _built_chunks(
    entities: int, seed: int, cfg: GeneratorConfig, geo, ind, tl: Timeline
) -> Iterator[tuple[int, int, dict[str, Table]]]:
    """(chunk index, entities done after it, every feed's table), built in order: the run state continues."""
    state = RunState()
    factory = EntityFactory(geo, ind, tl, cfg, seed)
    done = 0
    for c in range(math.ceil(entities / cfg.chunk_size)):
        n = min(cfg.chunk_size, entities - done)
        ctx = ChunkContext(cfg=cfg, geo=geo, ind=ind, tl=tl, ent=factory.build(c, done, n), state=state, seed=seed)
        core_feeds.build_registry(ctx)
        core_feeds.plan_licences(ctx)
        core_feeds.plan_penalties(ctx)
        core_feeds.build_licences(ctx)
        supervision_feeds.build_inspections(ctx)
        supervision_feeds.build_abnormal(ctx)
        supervision_feeds.build_objections(ctx)
        core_feeds.build_penalties(ctx)
        supervision_feeds.build_serious(ctx)
        supervision_feeds.build_repairs(ctx)
        supervision_feeds.emit_serious(ctx)
        supervision_feeds.build_court(ctx)
        supervision_feeds.build_commitments(ctx)
        punishment.build_feedback(ctx)
        risk.build_risk_warnings(ctx)
        publication.build_disclosure_holds(ctx)
        done += n
        tables = {name: Table.concat(ctx.tables.pop(name, [])) for name in FEED_ORDER}  # frees the parts as it goes
        del ctx
        yield c, done, tables
        del tables  # before the next chunk is built


def _render(
    writers: dict[str, FeedWriter], c: int, name: str, table: Table, seed: int, cfg: GeneratorConfig, batch_faults: bool
) -> Rendered:
    """Chunk ``c`` of feed ``name`` rendered into batch-file pieces; chunk 0 keeps rows back for the batch faults."""
    withhold = 0
    if batch_faults and c == 0 and name in (cfg.renamed_column_feed, cfg.truncated_feed):
        withhold = cfg.supplement_rows
    rng = np.random.default_rng([seed, c, 900 + FEED_ORDER.index(name)])
    return writers[name].render(table, rng, withhold=withhold)


def _commit(writer: FeedWriter, rendered: Rendered, held: dict[str, Withheld]) -> None:
    withheld = writer.commit(rendered)
    if withheld is not None:
        held[writer.name] = withheld


# ---- rendering processes ------------------------------------------------------------------------------------------


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _render_child(conn, render: Callable[[int, str, Table], Rendered], c: int, tables: dict[str, Table]) -> None:
    """In a forked process: render the chunk's feeds and send them back (or the error)."""
    try:
        conn.send({name: render(c, name, table) for name, table in tables.items()})
    except Exception as exc:  # the parent raises it
        try:
            conn.send(exc)
        except Exception:  # not picklable
            conn.send(RuntimeError(f"渲染第 {c} 块数据失败：{type(exc).__name__}"))
    finally:
        conn.close()


@dataclass
class _Chunk:
    """A built chunk being rendered in a forked process."""

    index: int
    done: int
    process: multiprocessing.process.BaseProcess
    conn: Connection


def _render_in_parallel(
    chunks: Iterator[tuple[int, int, dict[str, Table]]],
    renderers: int,
    render: Callable[[int, str, Table], Rendered],
    commit: Callable[[str, Rendered], None],
    progress: Callable[[int], None],
) -> None:
    """Build the chunks here, render each one in a forked process, commit them here in order.

    A forked process sees the chunk's tables without copying them through a pipe (pickling millions of short strings
    costs half as much as rendering them); only the rendered bytes come back. This process only builds and commits:
    building (with fork and commit) takes as long as rendering, so one rendering process balances it and with more
    the in-order building is the bottleneck. At most ``renderers`` chunks are being rendered while the next one is
    built, so memory stays bounded.
    """
    mp = multiprocessing.get_context("fork")
    running: deque[_Chunk] = deque()

    def finish() -> None:
        ch = running.popleft()
        try:
            remote = ch.conn.recv()
        except EOFError:
            remote = RuntimeError(f"渲染第 {ch.index} 块数据的进程意外退出（内存不足？）")
        ch.conn.close()
        ch.process.join()
        if isinstance(remote, BaseException):
            raise remote
        for name in FEED_ORDER:
            commit(name, remote[name])
        progress(ch.done)

    try:
        for c, done, tables in chunks:
            while len(running) >= renderers:
                finish()
            recv, send = mp.Pipe(duplex=False)
            proc = mp.Process(target=_render_child, args=(send, render, c, tables), daemon=True)
            proc.start()
            send.close()
            del tables  # the forked process has its own copy
            running.append(_Chunk(c, done, proc, recv))
        while running:
            finish()
    finally:
        for ch in running:
            ch.process.kill()
            ch.process.join()
            ch.conn.close()


def _write_summary(path: Path, data: dict) -> None:
    atomic_write_json(path, data, sort_keys=False)


def run(
    out_dir: Path,
    *,
    entities: int,
    seed: int,
    start: date,
    end: date,
    province: str,
    fault_rate: float,
    progress: Callable[[int, int], None] | None,
    config: GeneratorConfig,
    workers: int | None = None,
) -> GenerationReport:
    """generate() with an explicit :class:`GeneratorConfig` (tests use a small chunk size)."""
    t0 = time.perf_counter()
    cfg = config
    if not 1 <= entities <= cfg.max_entities:
        raise ValueError(f"entities must be between 1 and {cfg.max_entities}")
    if not 0 <= fault_rate < 0.5:
        raise ValueError("fault_rate must be in [0, 0.5)")
    workers = default_workers() if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers（生成数据使用的进程数）应为不小于 1 的整数，收到 {workers!r}")
    contracts = load_contracts()
    geo = load_geo(province, tuple(sorted(cfg.region_weights.items())))
    ind = load_industries(cfg)
    tl = Timeline(start, end, cfg)
    _prepare(out_dir)
    producers = sorted({contracts[f].producer.code for f in FEED_ORDER})
    manifest = out_dir / MANIFEST_DIR
    manifest.mkdir(parents=True, exist_ok=True)
    base = {
        "seed": seed,
        "entities": entities,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "province": province,
        "fault_rate": fault_rate,
        "producers": producers,
    }
    _write_summary(manifest / SUMMARY, {**base, "complete": False})  # lets a crashed run be regenerated

    sink = FaultSink(manifest / FAULTS)
    writers: dict[str, FeedWriter] = {}
    for no, name in enumerate(FEED_ORDER):
        fmt, enc = FEED_FORMATS[name]
        planter = FaultPlanter(contracts[name], cfg, fault_rate, blank="" if fmt == "csv" else None)
        writers[name] = FeedWriter(
            out_dir, contracts[name], fmt, enc, tl, no, seed, planter, sink, templates=cfg.templates.get(name)
        )
    n_chunks = math.ceil(entities / cfg.chunk_size)
    batch_faults = fault_rate > 0
    chunks = _built_chunks(entities, seed, cfg, geo, ind, tl)
    held: dict[str, Withheld] = {}

    def committed(done: int) -> None:
        if progress is not None:
            progress(done, entities)

    renderers = min(workers - 1, n_chunks - 1) if _can_fork() else 0
    if renderers < 1:
        for c, done, tables in chunks:
            for name in FEED_ORDER:
                _commit(writers[name], _render(writers, c, name, tables.pop(name), seed, cfg, batch_faults), held)
            committed(done)
    else:
        _render_in_parallel(
            chunks,
            renderers,
            lambda c, name, table: _render(writers, c, name, table, seed, cfg, batch_faults),
            lambda name, rendered: _commit(writers[name], rendered, held),
            committed,
        )

    if batch_faults:
        writers[cfg.renamed_column_feed].write_renamed_column(
            held.get(cfg.renamed_column_feed), cfg.renamed_column_field, cfg.renamed_column_alias
        )
        writers[cfg.truncated_feed].write_truncated(held.get(cfg.truncated_feed))
    delivered = {}
    for name in FEED_ORDER:
        delivered.update(writers[name].finish())
    sink.close()

    files = sorted(delivered, key=lambda p: p.as_posix())
    report = GenerationReport(
        out_dir=out_dir,
        files=files,
        rows_by_feed={n: writers[n].rows for n in FEED_ORDER},
        faults_by_kind=dict(sorted(sink.by_kind.items())),
        faults_by_feed={f: dict(sorted(v.items())) for f, v in sorted(sink.by_feed.items())},
        seconds=0.0,
        entities=entities,
        producers=producers,
        delivered_at={p.as_posix(): delivered[p].isoformat() for p in files},
        templates={rel: g for name in FEED_ORDER for rel, g in writers[name].file_generations().items()},
    )
    _write_summary(
        manifest / SUMMARY,
        {
            **base,
            "complete": True,
            "chunk_size": cfg.chunk_size,
            "files": [p.as_posix() for p in files],
            "rows_by_feed": report.rows_by_feed,
            "faults_by_kind": report.faults_by_kind,
            "faults_by_feed": report.faults_by_feed,
            "delivered_at": report.delivered_at,
            "templates": report.templates,
            "faults_file": f"{MANIFEST_DIR}/{FAULTS}",
        },
    )
    report.seconds = time.perf_counter() - t0
    return report
