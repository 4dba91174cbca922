"""`cwh` — the command line of the credit warehouse (市场监管企业信用信息数据仓库).

    cwh run        generate demo feeds → ingest → build → gate → publish, then print a summary
    cwh generate   write synthetic producer feeds into the landing zone
    cwh ingest     validate and land new batches (quarantine what fails)
    cwh build      dbt build of the warehouse (seeds, staging, marts, tests)
    cwh check      the publication gate alone (great-expectations), no files written
    cwh publish    gate, then write a release with its manifest
    cwh status     what each layer holds now
    cwh lookup     restrictions on a person (ID number) or an enterprise (USCC) on a date — registration check
    cwh serve      the supervisors' console (web pages and the registration system's interception endpoint)
    cwh console-user add, cwh console-token add   the console's users and the calling systems' tokens

User mistakes (a missing folder, an unknown feed, a failed gate) print a clear message and exit with a
non-zero code, never a traceback.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from creditwh import jobs
from ground.clock import today as _today
from ground.errors import ActionableError
from ground.runtime import configure_allocator
from ground.settings import Workspace

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="市场监管企业信用信息数据仓库：生成演示数据 → 入库校验 → 构建 → 质量闸门 → 公示发布",
)
console = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True)

HomeOpt = Annotated[Path | None, typer.Option("--home", help="工作目录（默认 $CWH_HOME 或 ./var）")]
TargetOpt = Annotated[
    str | None,
    typer.Option(
        "--target",
        help="构建仓库的引擎：duckdb（内嵌，默认）或 spark（Apache Spark，见 docs/spark.md）；默认取 $CWH_DBT_TARGET",
    ),
]


class UserError(ActionableError):
    """Something the user can fix; printed without a traceback."""


def _ws(home: Path | None, target: str | None = None) -> Workspace:
    return Workspace.from_env(home, target)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


# --- steps (each usable alone and by `run`): the jobs, with progress and a line of outcome ------------------


def do_generate(ws: Workspace, entities: int, seed: int, start: date, end: date, fault_rate: float):
    with _progress() as progress:
        task = progress.add_task("生成演示数据（企业）", total=entities)
        report = jobs.generate_feeds(
            ws,
            entities=entities,
            seed=seed,
            start=start,
            end=end,
            fault_rate=fault_rate,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    console.print(
        f"已生成 {len(report.files)} 个文件，{sum(report.rows_by_feed.values()):,} 行，"
        f"植入问题 {sum(report.faults_by_kind.values()):,} 处 → {ws.feeds}"
    )
    return report


def do_ingest(ws: Workspace, feeds: list[str] | None):
    total = jobs.batches_waiting(ws, feeds)
    with _progress() as progress:
        task = progress.add_task("入库校验（批次）", total=total)
        results = jobs.ingest(ws, feeds, progress=lambda r: progress.advance(task))
    new = [r for r in results if r.status in ("landed", "rejected")]
    rejected = [r for r in new if r.status == "rejected"]
    skipped = sum(r.status == "skipped" for r in results)
    console.print(f"新批次 {len(new)} 个（已入库过的 {skipped} 个跳过），整批拒收 {len(rejected)} 个")
    for r in rejected:
        console.print(f"  [yellow]整批拒收[/] {r.source_file}: {r.error}")
    for r in results:
        if r.status in NOT_READ:
            console.print(f"  [yellow]{NOT_READ[r.status]}[/] {r.error}")
    if notes := [n for n in jobs.inbox_report(ws)["notes"] if n["kind"] not in ("pending", "refused")]:
        console.print(f"  [yellow]接收目录中另有 {len(notes)} 处不会读取[/]（未登记的目录等），见 `cwh status`")
    return results


# Results of files that did not become a batch (nothing written), as `cwh ingest` and `cwh status` name them.
NOT_READ = {"pending": "待报送完成", "refused": "拒绝读取", "vanished": "已被删除", "failed": "内部错误"}
INBOX_KINDS = {
    "pending": "待报送完成",
    "refused": "拒绝读取",
    "unknown_producer": "未登记的部门",
    "unknown_feed": "未登记的数据项",
    "stray": "不会读取",
    "vanished": "已被删除",
    "changed": "读取中变化",
    "failed": "内部错误",
}


def print_inbox(ws: Workspace) -> None:
    """What the inbox holds that is not read, and the latest deliveries that did not become a batch."""
    report = jobs.inbox_report(ws)
    if report["notes"]:
        table = Table(title=f"接收目录中未读取的内容（{ws.feeds}）", title_justify="left")
        table.add_column("情况")
        table.add_column("原因")
        for n in report["notes"]:
            table.add_row(INBOX_KINDS.get(n["kind"], n["kind"]), n["reason"])
        console.print(table)
    else:
        console.print("接收目录：没有未读取的内容")
    if report["events"]:
        table = Table(title="最近未成批次的报送（landing/_inbox/）", title_justify="left")
        for col in ("时间（UTC）", "情况", "原因"):
            table.add_column(col)
        for e in report["events"]:
            table.add_row(e["at"], INBOX_KINDS.get(e["kind"], e["kind"]), e["reason"])
        console.print(table)


def do_build(ws: Workspace, as_of: date):
    with console.status("dbt build …") as status:
        result = jobs.build_warehouse(ws, as_of, on_line=lambda line: status.update(f"dbt build … {line[-100:]}"))
    console.print(
        f"dbt build 完成：{result['seeds']} 个种子表，{result['models']} 个模型，{result['tests']} 项测试，全部通过"
    )
    return result


def do_check(ws: Workspace):
    with console.status("质量闸门（great-expectations）…"):
        result = jobs.gate(ws)
    console.print(f"质量闸门通过：{result['expectations']} 项期望；Data Docs：{result['docs']}")
    return result


def do_publish(ws: Workspace, release_date: date | None):
    with console.status("质量闸门与发布 …"):
        release = jobs.publish(ws, release_date)
    console.print(f"质量闸门通过（{release.expectations} 项期望），已发布 → {release.path}")
    rates = jobs.publication_rates(ws, release.release_date)
    console.print(f"公示率、及时率、准确率 → {rates['report']}")
    return release


# --- summary ----------------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


# Queues a person must work through, counted in the summary (never left silent in a mart nobody opens).
REVIEW_QUEUES = {"mart_penalty_domain_review": "行政处罚监管领域待核实"}


def _review_count(ws: Workspace, name: str) -> int | None:
    """Rows of a review-queue mart; None before a build that made it."""
    from ground.database import read_only

    if not ws.warehouse.exists():
        return None
    with read_only(ws.warehouse) as con:
        if not con.execute("select 1 from information_schema.tables where table_name = ?", [name]).fetchone():
            return None
        return con.execute(f'select count(*) from "{name}"').fetchone()[0]


def print_summary(ws: Workspace, release=None) -> None:
    table = Table(title="入库汇总（按数据项，累计）", title_justify="left")
    for col in ("数据项 feed", "生产部门", "批次", "读入行", "入库行", "隔离行", "整批拒收"):
        table.add_column(col, justify="right" if col not in ("数据项 feed", "生产部门") else "left")
    rows = jobs.ingestion_totals(ws)
    totals = {k: sum(r[k] for r in rows) for k in jobs.INGESTION_COUNTS}
    for r in rows:
        table.add_row(f"{r['title']} {r['feed']}", r["department"], *(f"{r[k]:,}" for k in jobs.INGESTION_COUNTS))
    table.add_row("合计", "", *(f"{totals[k]:,}" for k in jobs.INGESTION_COUNTS), style="bold")
    console.print(table)
    if totals["read"] != totals["landed"] + totals["quarantined"]:
        raise UserError("对账失败：读入行 ≠ 入库行 + 隔离行")
    if counts := jobs.mart_counts(ws):
        mt = Table(title=f"数据集市（{ws.warehouse}）", title_justify="left")
        mt.add_column("表")
        mt.add_column("行数", justify="right")
        for name, n in counts.items():
            mt.add_row(name, f"{n:,}")
        console.print(mt)
    for name, title in REVIEW_QUEUES.items():
        if (n := _review_count(ws, name)) is not None:
            console.print(f"{title}（{name}）：{n:,} 条")
    if release is not None:
        print_release(ws, release)


def print_release(ws: Workspace, release) -> None:
    """Files, rows per record type (withheld, delta) and the rates of a release."""
    pt = Table(title=f"公示发布（{release.path}）", title_justify="left")
    pt.add_column("文件")
    pt.add_column("行数", justify="right")
    for f in release.files:
        rt = f.rsplit(".", 1)[0]
        pt.add_row(f, f"{release.rows[rt]:,}" if rt in release.rows else "")
    console.print(pt)
    titles = jobs.record_titles()
    t = Table(title=f"公示记录（截至 {release.release_date}；变更相对上一次发布）", title_justify="left")
    for col in ("记录类型", "公示行数", "扣留（不予公示）", "新增", "变更", "撤下"):
        t.add_column(col, justify="left" if col == "记录类型" else "right")
    for name, n in release.rows.items():
        d = release.delta.get(name, {})
        t.add_row(
            f"{titles.get(name, name)} {name}",
            f"{n:,}",
            f"{release.withheld.get(name, 0):,}",
            *(f"{d[k]:,}" if k in d else "—" for k in ("added", "modified", "removed")),
        )
    console.print(t)
    rt = Table(
        title="公示率 · 及时率 · 准确率（全部部门，全部期间；按部门、按月见 mart_publication_rates）",
        title_justify="left",
    )
    for col in ("记录类型", "应公示", "已公示", "公示率", "及时率", "准确率"):
        rt.add_column(col, justify="left" if col == "记录类型" else "right")
    for r in jobs.publication_rates_overview(ws):
        rt.add_row(
            f"{r.record_title} {r.record_type}",
            f"{r.publishable:,}",
            f"{r.published:,}",
            _pct(r.publicity_rate),
            _pct(r.timeliness_rate),
            _pct(r.accuracy_rate),
        )
    console.print(rt)


CONSOLE_DEMO_PORT = 8000


def print_console_hint(ws: Workspace) -> None:
    """How to open the supervisors' console on the warehouse just built: the last lines of `cwh run` (`./dev demo`)."""
    program = Path(sys.argv[0])
    cwh = str(program) if program.name == "cwh" else "cwh"  # the very executable the user ran, when it is cwh
    command = f"{shlex.quote(cwh)} serve --home {shlex.quote(str(ws.home.resolve()))} --demo --port {CONSOLE_DEMO_PORT}"
    console.print("\n监管控制台（企业检索、信用档案、名单、登记拦截）：在本机运行", markup=False)
    console.print(f"  {command}", markup=False, soft_wrap=True, style="bold")
    console.print(
        f"然后用浏览器打开 http://127.0.0.1:{CONSOLE_DEMO_PORT}/ ，以启动时打印的演示账户登录"
        "（--demo 为每个角色生成一个随机密码，只显示一次；Ctrl+C 停止）。",
        markup=False,
        soft_wrap=True,
    )


# --- commands ---------------------------------------------------------------------------------------------


# The demo data set's options, shared by `generate` and `run`.
EntitiesOpt = Annotated[int, typer.Option(help="市场主体数量（1 千 至 1 千万）", min=100)]
SeedOpt = Annotated[int, typer.Option(help="随机种子：相同种子生成完全相同的文件")]
StartOpt = Annotated[str, typer.Option(help="业务日期起（YYYY-MM-DD）")]
EndOpt = Annotated[str, typer.Option(help="业务日期止（YYYY-MM-DD）")]
FaultRateOpt = Annotated[float, typer.Option(help="植入问题行的比例", min=0.0, max=0.5)]
DEMO = {"entities": 2000, "seed": 42, "start": "2023-07-01", "end": "2026-10-31", "fault_rate": 0.01}


@app.command("generate")
def generate_cmd(
    home: HomeOpt = None,
    entities: EntitiesOpt = DEMO["entities"],
    seed: SeedOpt = DEMO["seed"],
    start: StartOpt = DEMO["start"],
    end: EndOpt = DEMO["end"],
    fault_rate: FaultRateOpt = DEMO["fault_rate"],
    next_day: Annotated[
        bool,
        typer.Option(
            "--next-day",
            help="不重新生成：在接收目录中追加最后一次接收之后一天的报送（每个数据项约 0.1% 的行，涉及已有企业）",
        ),
    ] = False,
):
    """生成合成的生产部门数据（演示与测试用）。"""
    ws = _ws(home)
    if next_day:
        report = jobs.generate_next_day(ws)
        console.print(
            f"已生成 {report.day} 的报送：{len(report.files)} 个文件，{report.total_rows:,} 行，"
            f"植入问题 {sum(report.faults_by_kind.values()):,} 处 → {ws.feeds}"
        )
        return
    do_generate(ws, entities, seed, _date(start, "--start"), _date(end, "--end"), fault_rate)


@app.command("ingest")
def ingest_cmd(
    home: HomeOpt = None,
    feed: Annotated[list[str] | None, typer.Option("--feed", help="只处理这些数据项（可重复）")] = None,
):
    """校验并入库接收目录中的新批次；不合格行进入隔离区并记录全部原因。"""
    ws = _ws(home)
    results = do_ingest(ws, feed)
    print_summary(ws)
    if failed := [r for r in results if r.status == "failed"]:  # the other files are done: now say it, and exit 2
        raise UserError(f"{len(failed)} 个文件因内部错误未入库（其余文件已处理），下一次运行将重试；见上文")


@app.command("build")
def build_cmd(
    home: HomeOpt = None,
    target: TargetOpt = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="截至日期（默认今天）：公示期、名单等按此日判断")] = None,
):
    """dbt build：种子表、staging、集市与全部测试。"""
    do_build(_ws(home, target), _date(as_of, "--as-of") if as_of else _today())


@app.command("check")
def check_cmd(home: HomeOpt = None, target: TargetOpt = None):
    """只运行发布前的质量闸门（不写文件）。"""
    do_check(_ws(home, target))


@app.command("publish")
def publish_cmd(
    home: HomeOpt = None,
    target: TargetOpt = None,
    release_date: Annotated[str | None, typer.Option(help="发布日期（默认为仓库构建的截至日期）")] = None,
):
    """质量闸门通过后写出公示文件与清单（manifest）。"""
    ws = _ws(home, target)
    release = do_publish(ws, _date(release_date, "--release-date") if release_date else None)
    print_summary(ws, release)


@app.command("run")
def run_cmd(
    home: HomeOpt = None,
    target: TargetOpt = None,
    entities: EntitiesOpt = DEMO["entities"],
    seed: SeedOpt = DEMO["seed"],
    start: StartOpt = DEMO["start"],
    end: EndOpt = DEMO["end"],
    fault_rate: FaultRateOpt = DEMO["fault_rate"],
    release_date: Annotated[str | None, typer.Option(help="发布日期（默认今天）")] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="先清空工作目录（数据、仓库与发布）")] = False,
    skip_generate: Annotated[bool, typer.Option("--skip-generate", help="使用接收目录中已有的文件")] = False,
):
    """主作业：生成演示数据 → 入库 → 构建 → 质量闸门 → 发布，最后打印汇总。"""
    ws = _ws(home, target)
    if fresh and ws.home.exists():
        shutil.rmtree(ws.home)
    if not skip_generate:
        do_generate(ws, entities, seed, _date(start, "--start"), _date(end, "--end"), fault_rate)
    do_ingest(ws, None)
    as_of = _date(release_date, "--release-date") if release_date else _today()
    do_build(ws, as_of)
    release = do_publish(ws, as_of)
    print_summary(ws, release)
    print_console_hint(ws)


AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="业务日期（默认今天）")]


@app.command("daily-release")
def daily_release_cmd(home: HomeOpt = None, target: TargetOpt = None, as_of: AsOfOpt = None):
    """每日到期释放：dbt build --select tag:daily_release，再质量闸门与发布（即 Airflow 的 daily_release）。"""
    ws, day = _ws(home, target), _date(as_of, "--as-of") if as_of else _today()
    with console.status("dbt build（到期释放）…"):
        result = jobs.build_daily_release(ws, day)
    console.print(f"截至 {day} 的到期释放：{result['models']} 个模型，{result['tests']} 项测试")
    do_publish(ws, day)


@app.command("feedback")
def feedback_cmd(home: HomeOpt = None, target: TargetOpt = None, as_of: AsOfOpt = None):
    """每月失信惩戒实施情况反馈（上个月）：dbt build --select tag:monthly_feedback 并导出 CSV（即 Airflow 的 monthly_feedback）。"""
    with console.status("dbt build（月度反馈）与导出 …"):
        export = jobs.monthly_feedback(_ws(home, target), _date(as_of, "--as-of") if as_of else _today())["export"]
    console.print(f"{export['feedback_month']} 反馈报表 {len(export['files']) - 1} 个 → {export['path']}")


@app.command("status")
def status_cmd(home: HomeOpt = None, target: TargetOpt = None):
    """各层现状：接收目录、入库日志、仓库与最近的发布。"""
    ws = _ws(home, target)
    if not ws.home.exists():
        raise UserError(f"工作目录 {ws.home} 不存在：先运行 `cwh run`（或 `cwh generate`）")
    print_summary(ws)
    print_inbox(ws)
    console.print(f"最近发布：{jobs.latest_release(ws) or '无'}")


@app.command("lookup")
def lookup_cmd(
    identifier: Annotated[str, typer.Argument(help="居民身份证号码或统一社会信用代码")],
    home: HomeOpt = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="查询日期（默认今天）")] = None,
):
    """登记拦截查询：某人（身份证号）或某企业（统一社会信用代码）在某日受到的失信惩戒与强化监管措施。

    退出码：0 无有效限制，可以办理；1 受限（列出措施）；2 请求有误（证件号码或日期无效）；3 查询未能完成（无法确认是否受限，
    应暂缓办理并重试）。"""
    day = _date(as_of, "--as-of") if as_of else _today()
    found = jobs.lookup(_ws(home), identifier, day)
    if not found:
        console.print(f"{day} 无有效限制措施，可以办理。")
        return
    table = Table(title=f"拦截警示：{day} 有效的限制措施 {len(found)} 项", title_justify="left")
    for col in ("措施", "信息产生机构", "限制原因", "法律依据", "起始日", "截止日"):
        table.add_column(col)
    for r in found:
        table.add_row(
            r.measure,
            r.source_agency or "—（据多条记录认定）",
            f"{r.reason}（{r.basis_number}）" if r.basis_number else r.reason,
            r.legal_basis or "—",
            str(r.start),
            str(r.end) if r.end else "随事由移出解除",
        )
    console.print(table)
    raise typer.Exit(1)


# --- the supervisors' console ----------------------------------------------------------------------------------

console_user_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="监管控制台的用户")
console_token_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="调用拦截接口的系统令牌")
app.add_typer(console_user_app, name="console-user")
app.add_typer(console_token_app, name="console-token")


@app.command("serve")
def serve_cmd(
    home: HomeOpt = None,
    port: Annotated[int, typer.Option("--port", help="端口")] = 8080,
    host: Annotated[str, typer.Option("--host", help="监听地址（默认仅本机）")] = "127.0.0.1",
    demo: Annotated[bool, typer.Option("--demo", help="演示：为每个角色生成一个随机密码的账户（只显示一次）")] = False,
):
    """启动监管控制台（只读取每次构建发布的服务快照，不打开仓库文件）。"""
    ws = _ws(home)
    if not ws.home.exists():
        raise UserError(f"工作目录 {ws.home} 不存在：先运行 `cwh run`（或 `cwh build`）")
    accounts = jobs.prepare_console(ws, demo=demo)
    if accounts:
        roles = jobs.console_roles()
        table = Table(title="演示账户（密码只显示这一次）", title_justify="left")
        for col in ("用户名", "角色", "密码"):
            table.add_column(col)
        for name, password in accounts.items():
            role = name.removeprefix("demo-")
            table.add_row(name, roles.get(role, role), password)
        console.print(table)
    console.print(f"监管控制台：http://{host}:{port}/ （Ctrl+C 停止）")
    jobs.serve_console(ws, host, port)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")


@console_user_app.command("add")
def console_user_add_cmd(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option("--role", help="角色（见 console/roles.yml）")],
    home: HomeOpt = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取密码（一行）")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="用户已存在时重设其密码与角色")] = False,
):
    """添加控制台用户（密码以 Argon2id 散列保存，不保存明文）。"""
    ws = _ws(home)
    title = jobs.console_add_user(ws, name, role, _password(password_stdin), replace=replace)
    console.print(f"已添加用户 {name}（{title}）")


@console_token_app.command("add")
def console_token_add_cmd(
    system: Annotated[str, typer.Argument(help="调用系统名称，如 registration")],
    home: HomeOpt = None,
    replace: Annotated[bool, typer.Option("--replace", help="换发新令牌（旧令牌随即失效）")] = False,
):
    """为调用登记拦截接口的系统生成令牌（只显示这一次，仅保存其散列）。"""
    token = jobs.console_add_token(_ws(home), system, replace=replace)
    console.print(f"系统 {system} 的令牌（请妥善交付，只显示这一次）：")
    print(token)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} 需要 YYYY-MM-DD 格式的日期，收到 {text!r}") from None


def main() -> None:
    configure_allocator()  # before any command loads polars
    try:
        app()  # click's standalone mode reports usage errors itself (exit 2)
    except ActionableError as exc:
        err.print(f"[bold red]错误：[/]{exc}")
        sys.exit(exc.exit_code)
    except (FileNotFoundError, FileExistsError, NotADirectoryError) as exc:
        err.print(f"[bold red]错误：[/]{exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
