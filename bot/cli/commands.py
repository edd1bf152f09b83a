"""`newsbot`: the command line. Thin: parses arguments, calls the engine, renders.

Exit codes: 0 success (an honest "I don't know" is a success); 1 newsbot
refused (bad input, a failed ingest item, an unknown article id, a bad
setting); 2 a usage error (unknown option, missing argument). Every refusal
is a `NewsbotError`, turned into one line on stderr in one place
(`NewsbotGroup.invoke`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import io
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from newsbot.bot.chat.replies import counted, readable, vote_thanks
from newsbot.bot.cli import environment
from newsbot.bot.cli import render as render_text
from newsbot.bot.server.logs import configure_logging
from newsbot.index import (
    Answer,
    Engine,
    IngestBatch,
    IngestError,
    IngestOutcome,
    NewsbotError,
    Status,
    StoreError,
    WriterWait,
    collection_names,
    is_postgresql_url,
    migrate_library,
)

PROGRESS_MIN_ITEMS = 10
F = TypeVar("F", bound=Callable[..., Any])


class NewsbotGroup(click.Group):
    """The one place where newsbot's refusals become a one-line error and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewsbotError as exc:
            raise click.ClickException(str(exc)) from exc


def k_option(default: int, maximum: int, help: str) -> Callable[[F], F]:
    return click.option(
        "-k",
        "--k",
        "k",
        default=default,
        show_default=True,
        type=click.IntRange(1, maximum),
        help=help,
    )


def collection_option(help: str) -> Callable[[F], F]:
    return click.option(
        "-c", "--collection", "collections", multiple=True, metavar="NAME", help=help
    )


SCOPE_HELP = "Answer from this collection only (repeat for several; `all` for every article)."


def json_option(what: str) -> Callable[[F], F]:
    return click.option("--json", "as_json", is_flag=True, help=f"Print {what} as JSON.")


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _emit(as_json: bool, data: Callable[[], Any], text: Callable[[], str]) -> None:
    """Print a result as JSON (`--json`) or as the terminal renderer's text."""
    if as_json:
        _print_json(data())
    else:
        click.echo(text())


def _say_waiting(wait: WriterWait) -> None:
    """Who this command waits for, and whether it is alive (then it waits for it
    however long it takes)."""
    holder = wait.describe()
    alive = "it is alive, so this waits for it" if wait.alive else "waiting while it makes progress"
    if wait.waited < 1:
        click.echo(f"waiting for {holder} to finish writing ({alive})...", err=True)
    else:
        click.echo(f"still waiting for {holder} ({wait.waited:.0f} s; {alive})", err=True)


class _Database(click.ParamType):
    """`--db`: a postgresql:// URL as it is, anything else a file path (not a folder)."""

    name = "db"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Path | str:
        if isinstance(value, Path):
            return value
        location = environment.database_location(str(value))
        if isinstance(location, Path) and location.is_dir():
            self.fail(f"{value!r} is a folder; name the database file in it.", param, ctx)
        return location


DATABASE = _Database()


class _State:
    """Opens the engine on first use, so `--help` never touches the database."""

    def __init__(self, settings: environment.EngineEnvironment) -> None:
        self.settings = settings
        self._engine: Engine | None = None

    def engine(self, *, to_reindex: bool = False, seed: bool = False) -> Engine:
        if self._engine is None:
            engine, seeded = self.settings.open_engine(
                on_wait=_say_waiting, to_reindex=to_reindex, seed=seed
            )
            self._engine = engine
            added = sum(o.status is Status.ADDED for o in seeded)
            if added:
                click.echo(
                    f"First run: indexed {added} bundled seed articles into {engine.database}.",
                    err=True,
                )
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()


@click.group(cls=NewsbotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=DATABASE,
    envvar="NEWSBOT_DB",
    help="SQLite database file, or a postgresql:// URL (default: $NEWSBOT_DB, else "
    "~/.local/share/newsbot/newsbot.db).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what the engine does to stderr.")
@click.version_option(package_name="newsbot")
@click.pass_context
def cli(ctx: click.Context, db: Path | str | None, verbose: bool) -> None:
    """newsbot answers questions about news articles with exact, attributed quotes."""
    configure_logging(level=logging.WARNING)
    # -v: what the engine does, each answer and each ingested item. Set either way,
    # so one invocation's -v does not outlive it (the tests run many in one process).
    logging.getLogger("newsbot").setLevel(logging.DEBUG if verbose else logging.NOTSET)
    if os.environ.get("NO_COLOR"):  # https://no-color.org: any value, not only "1"
        ctx.color = False
    state = _State(environment.engine_environment(db_path=db))
    ctx.obj = state
    ctx.call_on_close(state.close)


def _db_after_the_command(
    ctx: click.Context, _param: click.Parameter, db: Path | str | None
) -> None:
    """`newsbot ask --db x.db ...` as well as `newsbot --db x.db ask ...`."""
    if db is not None:
        state = ctx.find_object(_State)
        assert state is not None
        state.settings = dataclasses.replace(state.settings, db_path=db)


def _engine(ctx: click.Context, *, seed: bool = False) -> Engine:
    """The engine; `seed` (ask, chat, search: trying newsbot out) gives a database that
    never held an article the bundled seed articles first. Nothing else seeds: a team's
    first `ingest` into a new database adds only what it names."""
    return ctx.find_object(_State).engine(seed=seed)


def _voter() -> str:
    """Who votes from the command line: the login name (an entry point may read it)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (a container without /etc/passwd entry)
        return "cli"


def _vote(engine: Engine, answer: Answer, up: bool) -> None:
    answer_id = engine.keep_answer(answer, surface="cli")
    engine.vote(answer_id, _voter(), up=up)
    click.echo(vote_thanks(up), err=True)


def _ask_for_a_vote(engine: Engine, answer: Answer) -> None:
    """`ask --feedback`: y or n keeps a vote; Enter, or no input at all, keeps none."""
    try:
        reply = click.prompt(
            "Was this the answer? [y/n, Enter to skip]",
            default="",
            show_default=False,
            err=True,
        )
    except click.Abort:  # no terminal, no input: nothing to keep
        return
    if reply.strip().lower() in ("y", "yes", "n", "no"):
        _vote(engine, answer, reply.strip().lower().startswith("y"))


def _answer(engine: Engine, question: str, **options: Any) -> Answer:
    """`engine.answer`, an abstention kept for `newsbot gaps` (as the chat surfaces do)."""
    answer = engine.answer(question, **options)
    if answer.abstained:
        try:
            engine.note_unanswered(answer, surface="cli")
        except StoreError as exc:  # a full disk: the abstention is the answer all the same
            click.echo(f"Warning: not kept for `newsbot gaps`: {exc}", err=True)
    return answer


def _words(args: tuple[str, ...]) -> str:
    """Command-line words as one text. An argument that is not valid UTF-8 reaches
    Python as lone surrogates (surrogateescape), which no tokenizer or database takes:
    they read as U+FFFD, as a decoder would."""
    return readable(" ".join(args))


def _scope(engine: Engine, collections: tuple[str, ...]) -> frozenset[str] | None:
    """The collections named by -c (each checked to exist), or None for every article."""
    return engine.scope(list(collections)) if collections and "all" not in collections else None


@cli.command()
@click.argument("question", nargs=-1, required=True)
@k_option(3, 20, "How many quotes at most.")
@collection_option(SCOPE_HELP)
@json_option("the answer")
@click.option(
    "--feedback",
    "ask_feedback",
    is_flag=True,
    help="Then ask whether the answer was right, and keep the vote (see `newsbot feedback`).",
)
@click.pass_context
def ask(
    ctx: click.Context,
    question: tuple[str, ...],
    k: int,
    collections: tuple[str, ...],
    as_json: bool,
    ask_feedback: bool,
) -> None:
    """Answer QUESTION with verbatim quotes from the articles."""
    engine = _engine(ctx, seed=True)
    answer = _answer(engine, _words(question), k=k, collections=_scope(engine, collections))
    _emit(as_json, answer.to_json, lambda: render_text.render_answer(answer))
    if ask_feedback and not answer.abstained:
        _ask_for_a_vote(engine, answer)


@cli.command()
@click.argument("query", nargs=-1, required=True)
@k_option(5, 100, "How many articles at most.")
@collection_option(SCOPE_HELP)
@json_option("the results")
@click.pass_context
def search(
    ctx: click.Context,
    query: tuple[str, ...],
    k: int,
    collections: tuple[str, ...],
    as_json: bool,
) -> None:
    """Rank articles for QUERY, each with its best passage."""
    engine = _engine(ctx, seed=True)
    results = engine.search(_words(query), k=k, collections=_scope(engine, collections))
    _emit(as_json, results.to_json, lambda: render_text.render_search(results))


@cli.command()
@k_option(3, 20, "How many quotes at most.")
@collection_option(SCOPE_HELP)
@click.pass_context
def chat(ctx: click.Context, k: int, collections: tuple[str, ...]) -> None:
    """Ask questions one after another. Ctrl-D or Ctrl-C to leave.

    Each question is read with the one before it as context, as in a Slack
    thread: "Who is Ukraine's foreign minister?" then "and what did he say?".
    A line of just + or - keeps a 👍 or 👎 for the answer before it.
    """
    engine = _engine(ctx, seed=True)
    scope = _scope(engine, collections)
    # readline gives input() line editing and history; not on every platform.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(
            f"newsbot: {counted(engine.count_articles(), 'article')}. "
            "Ask a question; Ctrl-D to leave."
        )
    previous: str | None = None
    last: Answer | None = None
    if isinstance(sys.stdin, io.TextIOWrapper):  # a line that is not UTF-8: U+FFFD, no traceback
        sys.stdin.reconfigure(errors="replace")
    while True:
        try:
            line = input("? " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            if interactive:
                click.echo("\nbye")
            return
        if not line.strip():
            continue
        if line.strip() in ("+", "-"):
            if last is None or last.abstained:
                click.echo("Nothing to vote on yet: ask a question first.", err=True)
            else:
                _vote(engine, last, line.strip() == "+")
            continue
        try:
            answer = _answer(engine, line, k=k, context=previous, collections=scope)
            click.echo(render_text.render_answer(answer))
            last = answer
            previous = engine.next_context(line, previous)
        except NewsbotError as exc:  # one bad question does not end the conversation
            click.echo(f"Error: {exc}", err=True)
        click.echo("")


_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def _is_url(arg: str) -> bool:
    """Any scheme://: ftp://... is refused as a link, not looked for as a file."""
    return bool(_URL_SCHEME.match(arg))


def _read_url_list(path: Path) -> tuple[list[str], list[IngestOutcome]]:
    """URLs from a file, one per line (blank lines and # comments skipped), and a
    failed outcome for each line that is not a URL: the rest of the list goes on."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read the URL list ({exc}).") from exc
    urls: list[str] = []
    bad: list[IngestOutcome] = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if _is_url(text):
            urls.append(text)
        else:
            reason = f"line {number} of {path} is not a URL (it needs http:// or https://)."
            bad.append(IngestOutcome.failed(IngestError(reason, origin=text)))
    return urls, bad


@cli.command()
@click.argument("sources", nargs=-1)
@click.option(
    "--urls",
    "url_list",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file of URLs (pages or RSS/Atom feeds), one per line.",
)
@json_option("the outcomes")
@click.option(
    "--workers",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="How many URLs to fetch at once.",
)
@collection_option(
    "File every article into this collection (repeat for several); one already stored is filed too."
)
@click.pass_context
def ingest(
    ctx: click.Context,
    sources: tuple[str, ...],
    url_list: Path | None,
    as_json: bool,
    workers: int,
    collections: tuple[str, ...],
) -> None:
    """Add articles from files, directories, URLs, feeds, or - for stdin.

    Files may be plain text, Markdown or HTML; directories are walked. A URL
    is fetched (a feed's items are all fetched). One result line per item;
    exit code 1 if any failed.
    """
    urls = [s for s in sources if _is_url(s)]
    not_urls: list[IngestOutcome] = []
    if url_list is not None:
        listed, not_urls = _read_url_list(url_list)
        urls.extend(listed)
    files = [Path(s) for s in sources if s != "-" and not _is_url(s)]
    if not sources and url_list is None:
        raise click.UsageError("Give at least one file, directory, URL, --urls FILE, or -.")
    names = collection_names(collections)  # a malformed name stops before any work
    engine = _engine(ctx)
    outcomes: list[IngestOutcome] = []
    if "-" in sources:
        outcome = engine.ingest_bytes(sys.stdin.buffer.read(), "<stdin>", collections=names)
        outcomes.append(outcome)
        if not as_json:
            click.echo(render_text.render_outcome(outcome))
    for outcome in not_urls:
        outcomes.append(outcome)
        if not as_json:
            click.echo(render_text.render_outcome(outcome))
    batches: list[IngestBatch] = []
    if files:
        batches.append(engine.ingest_paths(files, collections=names))
    if urls:
        batches.append(engine.ingest_urls(urls, workers=workers, collections=names))
    outcomes.extend(_with_progress(batches, quiet=as_json))
    if as_json:
        _print_json([o.to_json() for o in outcomes])
    if any(o.status is Status.FAILED for o in outcomes):
        ctx.exit(1)


def _with_progress(batches: list[IngestBatch], *, quiet: bool) -> Iterator[IngestOutcome]:
    """Echo one line per outcome; with many items on a terminal, one progress bar on
    stderr across every batch."""
    total = sum(batch.total for batch in batches)
    show_bar = total >= PROGRESS_MIN_ITEMS and sys.stderr.isatty()
    bar_or_nothing = (
        click.progressbar(length=total, label="Ingesting", file=sys.stderr)
        if show_bar
        else contextlib.nullcontext()
    )
    with bar_or_nothing as bar:
        for batch in batches:
            for outcome in batch:
                if not quiet:
                    if bar is not None:  # the bar's line is cleared, then drawn again below
                        click.echo("\r\x1b[K", nl=False, err=True)
                    click.echo(render_text.render_outcome(outcome))
                if bar is not None:
                    bar.update(1)
                yield outcome


@cli.command()
@click.option("--match", "match", help="Only articles whose headline or outlet holds TEXT.")
@json_option("the articles")
@click.pass_context
def sources(ctx: click.Context, match: str | None, as_json: bool) -> None:
    """List the articles newsbot knows."""
    articles = _engine(ctx).sources(match)
    _emit(
        as_json,
        lambda: [a.to_json() for a in articles],
        lambda: render_text.render_sources(articles),
    )


@cli.command()
@click.argument("name", required=False)
@click.argument("article_ids", nargs=-1, type=int)
@json_option("the collections")
@click.pass_context
def collections(
    ctx: click.Context, name: str | None, article_ids: tuple[int, ...], as_json: bool
) -> None:
    """List the collections, or file articles ARTICLE_IDS into collection NAME.

    `newsbot collections` lists each collection with its article count;
    `newsbot collections ukraine 3 4 5` files articles #3, #4 and #5 into "ukraine"
    (an article can be in several). `newsbot ingest --collection` files as it adds.
    """
    engine = _engine(ctx)
    if name is not None:
        if not article_ids:
            raise click.UsageError("Give the ids of the articles to file into the collection.")
        added = engine.collect(article_ids, name)
        click.echo(f"{collection_names(name)[0]}: {counted(added, 'article')} filed")
        return
    counts = engine.collections()
    _emit(
        as_json,
        lambda: counts,
        lambda: (
            "\n".join(f"{n} ({counted(c, 'article')})" for n, c in counts.items())
            or "No collections yet. File articles with: newsbot ingest --collection NAME PATH"
        ),
    )


@cli.command()
@click.option(
    "-n",
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="How many gaps at most.",
)
@json_option("the gaps")
@click.pass_context
def gaps(ctx: click.Context, limit: int, as_json: bool) -> None:
    """What nobody could answer: questions newsbot abstained on (and answers readers
    marked wrong), grouped by similar wording, newest first, with the closest articles.
    What an editor reads to decide what to add."""
    found = _engine(ctx).gaps(limit)
    _emit(as_json, lambda: [g.to_json() for g in found], lambda: render_text.render_gaps(found))


@cli.command()
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Export as JSON Lines, one vote a line.")
@click.option("-n", "--limit", type=click.IntRange(1), help="Only the newest N votes.")
@click.pass_context
def feedback(ctx: click.Context, as_jsonl: bool, limit: int | None) -> None:
    """Readers' 👍/👎 on answers (Slack, Discord, `ask --feedback`), newest first, each
    with its question, quotes and confidence. --jsonl exports them for the training
    scripts and for review; they are never shown to other chat users."""
    votes = _engine(ctx).feedback(limit)
    if as_jsonl:
        for vote in votes:
            click.echo(json.dumps(vote.to_json(), ensure_ascii=False))
        return
    click.echo(render_text.render_feedback(votes))


@cli.command()
@click.argument("article_id", type=int)
@click.pass_context
def forget(ctx: click.Context, article_id: int) -> None:
    """Delete article ARTICLE_ID (see `newsbot sources`) and its passages."""
    article = _engine(ctx).forget(article_id)
    click.echo(f"forgot #{article.id}: {article.headline}")


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the database fully (SQLite's integrity_check) and the search index against
    it. Exits 1 when either is damaged, saying what to do; repairs nothing."""
    state = ctx.find_object(_State)
    result = Engine.check(state.settings.db_path, state.settings.answer_settings)
    click.echo(render_text.render_check(state.settings.db_path, result))
    if not result.ok:
        ctx.exit(1)


@cli.command()
@click.argument("url")
@click.pass_context
def migrate(ctx: click.Context, url: str) -> None:
    """Copy this SQLite library (--db), its gaps, votes and chat state into the
    PostgreSQL database at URL (postgresql://user:password@host/db), ids and all.
    Safe to run again: what is there already is left as it is."""
    from newsbot.bot.chat.state import COPIED

    if not is_postgresql_url(url):
        raise click.BadParameter(
            "name the PostgreSQL database to copy into: postgresql://user:password@host/db",
            param_hint="URL",
        )
    source = ctx.find_object(_State).settings.db_path
    if not isinstance(source, Path):
        raise click.BadParameter(
            "--db names the SQLite file to copy from, not a PostgreSQL URL", param_hint="--db"
        )
    result = migrate_library(source, url, also=[COPIED])
    click.echo(render_text.render_migration(result))


@cli.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the search index from the database, whatever state the index is in."""
    engine = ctx.find_object(_State).engine(to_reindex=True)
    if engine.damaged_index is not None:
        click.echo(f"the damaged search index was moved to {engine.damaged_index}", err=True)
    click.echo(f"reindexed {counted(engine.reindex(), 'passage')}")


@cli.command()
@click.option(
    "--with-seeds",
    is_flag=True,
    help="Give a database that never held an article the bundled seed articles.",
)
@click.pass_context
def serve(ctx: click.Context, with_seeds: bool) -> None:
    """Run newsbot in Slack, Discord, or both: whatever the environment configures.

    Slack: Socket Mode if SLACK_APP_TOKEN is set, else HTTP at /slack/events.
    Discord: the interactions endpoint at /discord/interactions if
    DISCORD_PUBLIC_KEY is set, the gateway (@mentions, DMs) if DISCORD_BOT_TOKEN
    is. HTTP listens on NEWSBOT_HOST:NEWSBOT_PORT (0.0.0.0:3000), with /healthz.
    A new database starts empty unless --with-seeds is given (only ask, chat and
    search index the seeds on first use, to try newsbot out).
    """
    from newsbot.bot.server.serve import ServePlan
    from newsbot.bot.server.serve import serve as run

    plan = ServePlan.from_env()
    configure_logging(level=logging.WARNING, json_lines=plan.json_logs)
    logging.getLogger("newsbot").setLevel(logging.INFO)
    run(ctx.find_object(_State).engine(seed=with_seeds), plan)


@cli.group()
def discord() -> None:
    """Discord set-up."""


@discord.command()
@click.option("--guild", help="Register in this server only (instant) instead of globally.")
def register(guild: str | None) -> None:
    """Bulk-overwrite the application's commands with newsbot's, and list them."""
    import httpx

    from newsbot.bot.discord.commands import COMMANDS
    from newsbot.bot.discord.config import DiscordConfig
    from newsbot.bot.discord.rest import DiscordAPI, DiscordAPIError

    config = DiscordConfig.from_env()
    if guild is not None and not (guild.isdigit() and 15 <= len(guild) <= 21):
        raise click.BadParameter(f"{guild!r} is not a Discord server id.", param_hint="--guild")
    api = DiscordAPI(config.api_url, bot_token=config.require_token())
    try:
        registered = api.overwrite_commands(config.application_id, COMMANDS, guild_id=guild)
    except DiscordAPIError as exc:
        raise click.ClickException(str(exc)) from exc
    except httpx.HTTPError as exc:
        raise click.ClickException(
            f"Cannot reach Discord at {config.api_url} ({type(exc).__name__}). "
            "Check the network and DISCORD_API_URL."
        ) from exc
    finally:
        api.close()
    where = f"server {guild}" if guild else "every server (global commands)"
    kinds = {1: "slash", 3: "message"}
    click.echo(f"Registered {len(registered)} commands for {where}:")
    for command in registered:
        name = command.get("name", "?")
        shown = f"/{name}" if command.get("type", 1) == 1 else name
        click.echo(f"  {shown} ({kinds.get(command.get('type', 1), 'other')} command)")


def main() -> None:
    """Console-script entry point: `.env` is read here, and only here."""
    from dotenv import find_dotenv, load_dotenv

    # The working directory's .env (or its parents'): by default python-dotenv
    # would search from this file's folder, inside site-packages.
    load_dotenv(find_dotenv(usecwd=True))
    cli(prog_name="newsbot")


# Every command takes --db too, after its name (the group's --db still works before it).
for _command in (
    ask,
    search,
    chat,
    ingest,
    sources,
    collections,
    gaps,
    feedback,
    forget,
    reindex,
    serve,
):
    _command.params.append(
        click.Option(
            ["--db"],
            type=DATABASE,
            expose_value=False,
            callback=_db_after_the_command,
            help="SQLite database file or postgresql:// URL (as `newsbot --db DB COMMAND`).",
        )
    )
