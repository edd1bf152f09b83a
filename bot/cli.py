"""`newsbot`: the command line. Thin: parses arguments, calls the engine, renders.

Exit codes: 0 success (an honest "I don't know" is a success); 1 the engine
refused (bad input, a failed ingest item, an unknown article id); 2 a usage
error (unknown option, missing argument).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from bot import render_text
from index.engine import Engine, default_db_path
from index.errors import IngestError, NewsbotError
from index.ingest import draft_from_bytes
from index.models import IngestOutcome, Status

PROGRESS_MIN_ITEMS = 10


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


class _State:
    """Opens the engine on first use, so `--help` never touches the database."""

    def __init__(self, db: Path | None) -> None:
        self.db = db
        self._engine: Engine | None = None

    def engine(self) -> Engine:
        if self._engine is None:
            try:
                self._engine = Engine(self.db or default_db_path())
            except NewsbotError as exc:
                raise click.ClickException(str(exc)) from exc
            if self._engine.seeded:
                added = sum(o.status is Status.ADDED for o in self._engine.seeded)
                click.echo(
                    f"First run: indexed {added} bundled seed articles into "
                    f"{self._engine.db_path}.",
                    err=True,
                )
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="NEWSBOT_DB",
    help="SQLite database file (default: $NEWSBOT_DB, else ~/.local/share/newsbot/newsbot.db).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what the engine does to stderr.")
@click.version_option(package_name="newsbot")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, verbose: bool) -> None:
    """newsbot answers questions about news articles with exact, attributed quotes."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    state = _State(db)
    ctx.obj = state
    ctx.call_on_close(state.close)


def _engine(ctx: click.Context) -> Engine:
    return ctx.find_object(_State).engine()


def _guard(action):  # type: ignore[no-untyped-def]
    """Turn engine refusals into a one-line error and exit code 1."""
    try:
        return action()
    except NewsbotError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command()
@click.argument("question", nargs=-1, required=True)
@click.option(
    "-k",
    "--k",
    "k",
    default=3,
    show_default=True,
    type=click.IntRange(1, 20),
    help="How many quotes at most.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.pass_context
def ask(ctx: click.Context, question: tuple[str, ...], k: int, as_json: bool) -> None:
    """Answer QUESTION with verbatim quotes from the articles."""
    engine = _engine(ctx)
    answer = _guard(lambda: engine.answer(" ".join(question), k=k))
    if as_json:
        _print_json(answer.to_json())
    else:
        click.echo(render_text.render_answer(answer))


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option(
    "-k",
    "--k",
    "k",
    default=5,
    show_default=True,
    type=click.IntRange(1, 100),
    help="How many articles at most.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def search(ctx: click.Context, query: tuple[str, ...], k: int, as_json: bool) -> None:
    """Rank articles for QUERY, each with its best passage."""
    engine = _engine(ctx)
    results = _guard(lambda: engine.search(" ".join(query), k=k))
    if as_json:
        _print_json(results.to_json())
    else:
        click.echo(render_text.render_search(results))


@cli.command()
@click.option("-k", "--k", "k", default=3, show_default=True, type=click.IntRange(1, 20))
@click.pass_context
def chat(ctx: click.Context, k: int) -> None:
    """Ask questions one after another. Ctrl-D or Ctrl-C to leave."""
    engine = _engine(ctx)
    # readline gives input() line editing and history; not on every platform.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(f"newsbot: {len(engine.sources())} articles. Ask a question; Ctrl-D to leave.")
    while True:
        try:
            line = input("? " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            if interactive:
                click.echo("\nbye")
            return
        if not line.strip():
            continue
        try:
            click.echo(render_text.render_answer(engine.answer(line, k=k)))
        except NewsbotError as exc:
            click.echo(f"Error: {exc}", err=True)
        click.echo("")


def _stdin_outcome(engine: Engine) -> IngestOutcome:
    data = sys.stdin.buffer.read()
    try:
        draft = draft_from_bytes(data, "<stdin>")
    except IngestError as exc:
        return IngestOutcome("<stdin>", Status.FAILED, reason=str(exc))
    return engine.ingest(draft)


def _is_url(arg: str) -> bool:
    return arg.lower().startswith(("http://", "https://"))


def _read_url_list(path: Path) -> list[str]:
    """URLs from a file, one per line; blank lines and # comments are skipped."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read the URL list ({exc}).") from exc
    urls = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    bad = [u for u in urls if not _is_url(u)]
    if bad:
        raise click.ClickException(f"{path}: not a URL: {bad[0]!r}.")
    return urls


@cli.command()
@click.argument("sources", nargs=-1)
@click.option(
    "--urls",
    "url_list",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file of URLs (pages or RSS/Atom feeds), one per line.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcomes as a JSON list.")
@click.option(
    "--workers",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="How many URLs to fetch at once.",
)
@click.pass_context
def ingest(
    ctx: click.Context,
    sources: tuple[str, ...],
    url_list: Path | None,
    as_json: bool,
    workers: int,
) -> None:
    """Add articles from files, directories, URLs, feeds, or - for stdin.

    Files may be plain text, Markdown or HTML; directories are walked. A URL
    is fetched (a feed's items are all fetched). One result line per item;
    exit code 1 if any failed.
    """
    urls = [s for s in sources if _is_url(s)]
    if url_list is not None:
        urls.extend(_read_url_list(url_list))
    files = [Path(s) for s in sources if s != "-" and not _is_url(s)]
    if not sources and url_list is None:
        raise click.UsageError("Give at least one file, directory, URL, --urls FILE, or -.")
    engine = _engine(ctx)
    outcomes: list[IngestOutcome] = []
    if "-" in sources:
        outcome = _stdin_outcome(engine)
        outcomes.append(outcome)
        if not as_json:
            click.echo(render_text.render_outcome(outcome))
    total = len(urls)

    def set_total(n: int) -> None:
        nonlocal total
        total += n

    streams: list[Iterator[IngestOutcome]] = []
    if files:
        streams.append(_guard(lambda: engine.ingest_paths(files, on_total=set_total)))
    if urls:
        streams.append(engine.ingest_urls(urls, workers=workers))
    for stream in streams:
        outcomes.extend(_with_progress(stream, lambda: total, quiet=as_json))
    if as_json:
        _print_json([o.to_json() for o in outcomes])
    if any(o.status is Status.FAILED for o in outcomes):
        ctx.exit(1)


def _with_progress(
    stream: Iterator[IngestOutcome], total: Any, *, quiet: bool
) -> Iterator[IngestOutcome]:
    """Echo one line per outcome; with many items on a terminal, a progress bar on stderr."""
    first = next(stream, None)
    if first is None:
        return
    count = total()
    show_bar = count >= PROGRESS_MIN_ITEMS and sys.stderr.isatty()
    items = _chain(first, stream)
    if not show_bar:
        for outcome in items:
            if not quiet:
                click.echo(render_text.render_outcome(outcome))
            yield outcome
        return
    with click.progressbar(length=count, label="Ingesting", file=sys.stderr) as bar:
        for outcome in items:
            if not quiet:
                click.echo(render_text.render_outcome(outcome))
            bar.update(1)
            yield outcome


def _chain(first: IngestOutcome, rest: Iterator[IngestOutcome]) -> Iterator[IngestOutcome]:
    yield first
    yield from rest


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the articles as a JSON list.")
@click.pass_context
def sources(ctx: click.Context, as_json: bool) -> None:
    """List the articles newsbot knows."""
    articles = _engine(ctx).sources()
    if as_json:
        _print_json([a.to_json() for a in articles])
    else:
        click.echo(render_text.render_sources(articles))


@cli.command()
@click.argument("article_id", type=int)
@click.pass_context
def forget(ctx: click.Context, article_id: int) -> None:
    """Delete article ARTICLE_ID (see `newsbot sources`) and its passages."""
    engine = _engine(ctx)
    article = _guard(lambda: engine.forget(article_id))
    click.echo(f"forgot #{article.id}: {article.headline}")


@cli.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the search index from the database."""
    count = _guard(lambda: _engine(ctx).reindex())
    click.echo(f"reindexed {count} passages")


@cli.command()
@click.pass_context
def serve(ctx: click.Context) -> None:
    """Run newsbot in Slack: Socket Mode if SLACK_APP_TOKEN is set, else HTTP.

    HTTP mode serves Events API, slash commands and interactivity at
    /slack/events, and /healthz, on NEWSBOT_HOST:NEWSBOT_PORT (0.0.0.0:3000).
    """
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.slack.app import create_app
    from bot.slack.config import ConfigError, SlackConfig
    from bot.slack.server import install_log_redaction, serve_http, serve_socket_mode

    try:
        config = SlackConfig.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    logging.getLogger("newsbot").setLevel(logging.INFO)
    install_log_redaction()
    engine = _engine(ctx)
    try:
        app, services = create_app(engine, config)
    except (BoltError, SlackApiError, SlackClientError) as exc:
        raise click.ClickException(f"Slack refused the bot token: {exc}".splitlines()[0]) from exc
    if config.app_token:
        click.echo("newsbot: connecting to Slack in Socket Mode", err=True)
        serve_socket_mode(app, config.app_token)
    else:
        click.echo(f"newsbot: serving on http://{config.host}:{config.port}/slack/events", err=True)
        serve_http(app, services, config.host, config.port)


def main() -> None:
    """Console-script entry point."""
    from dotenv import load_dotenv

    load_dotenv()
    cli(prog_name="newsbot")
