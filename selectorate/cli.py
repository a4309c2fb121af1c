"""The ``selectorate`` command: count a ballot file and print or save the result.

Errors are one line on standard error, ``error: <file>:<line>: <problem>``,
with exit status 2 for a wrong command line (unknown method, bad option) and
1 for bad input (a missing or malformed file). An output file is written
atomically: a temporary file in the same folder, renamed into place once
complete, so a failed run leaves no partial result behind.
"""

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from selectorate import __version__
from selectorate.ballots import Election
from selectorate.counting.result import CountResult
from selectorate.formats.errors import BallotFileError

#: Ballot files larger than this show a progress spinner (on a terminal only).
_BIG_FILE = 4 * 1024 * 1024
#: Width of the text sheet when it does not go to a terminal.
_TEXT_WIDTH = 100


class UsageProblem(Exception):
    """A wrong command line: exit status 2."""


class InputProblem(Exception):
    """Bad input or an unwritable output: exit status 1."""


def _one_line(message: object) -> str:
    return " ".join(str(message).replace("Value error, ", "").split())


def _error(message: object, code: int) -> NoReturn:
    typer.echo(f"error: {_one_line(message)}", err=True)
    raise SystemExit(code)


def _click_exception_modules() -> list[Any]:
    """click's exception module(s): recent typer vendors click as ``typer._click``."""
    import importlib

    modules = []
    for name in ("typer._click.exceptions", "click.exceptions"):
        with contextlib.suppress(ImportError):
            modules.append(importlib.import_module(name))
    return modules


def _classes(name: str) -> tuple[type[BaseException], ...]:
    found = (getattr(m, name, None) for m in _click_exception_modules())
    return tuple(c for c in found if isinstance(c, type))


class _Group(TyperGroup):
    """Reports every command-line mistake as one ``error:`` line, exit status 2."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; turn click's multi-line usage messages into one line."""
        try:
            rv = super().main(
                args=args,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        except _classes("NoArgsIsHelpError") as exc:
            ctx = getattr(exc, "ctx", None)
            typer.echo(ctx.get_help() if ctx is not None else str(exc))
            raise SystemExit(2) from None
        except _classes("UsageError") as exc:
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            _error(exc.format_message() + hint, 2)  # type: ignore[attr-defined]
        except _classes("ClickException") as exc:
            _error(exc.format_message(), getattr(exc, "exit_code", 1))  # type: ignore[attr-defined]
        except _classes("Abort"):
            _error("aborted", 1)
        except UsageProblem as exc:
            _error(exc, 2)
        except (InputProblem, BallotFileError) as exc:
            _error(exc, 1)
        if not standalone_mode:
            return rv
        raise SystemExit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=_Group,
    name="selectorate",
    help=(
        "Count ranked ballots exactly and explain the result round by round.\n\n"
        "Typical use: selectorate count ballots.blt --method irv. "
        "'selectorate methods' lists the counting rules."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class OutputFormat(StrEnum):
    """What ``count`` writes."""

    text = "text"
    json = "json"
    csv = "csv"
    html = "html"
    rctab_json = "rctab-json"


_SUFFIX = {
    OutputFormat.text: ".txt",
    OutputFormat.json: ".json",
    OutputFormat.csv: ".csv",
    OutputFormat.html: ".html",
    OutputFormat.rctab_json: ".json",
}


# --------------------------------------------------------------------------- helpers


def parse_option_value(text: str) -> object:
    """``--option`` values: true/false, none, integers, exact decimals or fractions, text.

    ``0.15`` and ``3/20`` become :class:`Fraction` (never a float); a value in
    square brackets is a comma-separated list (``[A,B,C]``).
    """
    low = text.strip().lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if low in ("none", "null"):
        return None
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        inner = stripped[1:-1]
        return [parse_option_value(v) for v in inner.split(",")] if inner.strip() else []
    try:
        return int(stripped)
    except ValueError:
        pass
    if any(ch.isdigit() for ch in stripped):
        try:
            return Fraction(stripped)
        except (ValueError, ZeroDivisionError):
            pass
    return text


def parse_options(pairs: Sequence[str]) -> dict[str, object]:
    """``["tiebreak_mode=random", …]`` → keyword arguments (``-`` in keys becomes ``_``)."""
    options: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key.isidentifier():
            raise UsageProblem(f"--option {pair!r}: expected KEY=VALUE, e.g. tiebreak_mode=random")
        options[key] = parse_option_value(value)
    return options


@contextlib.contextmanager
def _progress(what: str, path: Path) -> Iterator[None]:
    """A spinner on standard error while reading a big file, only on a terminal."""
    try:
        big = path.stat().st_size > _BIG_FILE
    except OSError:
        big = False
    if not (big and sys.stderr.isatty()):
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(f"{what} {path.name}…"):
        yield


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputProblem(BallotFileError(path, None, "no such file").describe())
    if path.is_dir():
        raise InputProblem(BallotFileError(path, None, "is a folder, not a file").describe())


def _read_election(path: Path) -> Election:
    from selectorate.formats.detect import read_ballots

    _check_readable(path)
    with _progress("Reading", path):
        try:
            return read_ballots(path)
        except OSError as exc:
            raise InputProblem(BallotFileError(path, None, exc.strerror or str(exc))) from None


def _method(name: str) -> Any:
    from selectorate.counting import registry

    try:
        return registry.get(name)
    except KeyError as exc:
        raise UsageProblem(
            exc.args[0] if exc.args else f"unknown counting method {name!r}"
        ) from None


def _count(method_name: str, election: Election, options: dict[str, object]) -> CountResult:
    method = _method(method_name)
    try:
        return method.function(election, **options)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, BallotFileError):
            raise
        raise UsageProblem(f"method {method_name!r}: {exc}") from None


def _contest_output(election: Election, path: Path | None) -> dict[str, object]:
    """RCTab-style contest settings for a ballot file that is not an RCTab config."""
    meta = election.metadata
    return {
        "contestName": election.title or (path.stem if path else ""),
        "contestJurisdiction": meta.get("jurisdiction", ""),
        "contestOffice": meta.get("office", ""),
        "contestDate": meta.get("date", ""),
    }


def _render(
    result: CountResult,
    fmt: OutputFormat,
    contest_output: Mapping[str, object],
    width: int,
) -> list[str]:
    """The rendered document(s): several for RCTab formats of a multi-pass count."""
    if fmt is OutputFormat.text:
        from selectorate.reports.text import render_text

        return [render_text(result, width=width)]
    if fmt is OutputFormat.json:
        from selectorate.reports.native_json import render_native_json

        return [render_native_json(result)]
    if fmt is OutputFormat.html:
        from selectorate.reports.html import render_html

        return [render_html(result)]
    if fmt is OutputFormat.csv:
        from selectorate.reports.rctab_csv import render_rctab_csv_passes

        return render_rctab_csv_passes(result, contest_output)
    try:
        from selectorate.reports import rctab_json
    except ImportError:
        raise InputProblem("RCTab JSON output is not available in this installation") from None
    passes = getattr(rctab_json, "render_rctab_json_passes", None)
    if passes is not None:
        return list(passes(result, contest_output))
    return [rctab_json.render_rctab_json(p, contest_output) for p in result.passes or [result]]


def _targets(output: Path, count: int) -> list[Path]:
    """One file, or ``<stem>_<n><suffix>`` per pass as RCTab names them."""
    if count == 1:
        return [output]
    return [output.with_name(f"{output.stem}_{n}{output.suffix}") for n in range(1, count + 1)]


def write_atomically(files: Sequence[tuple[Path, str]]) -> None:
    """Write every file completely, then rename each into place; on failure write none.

    Missing folders on the way to a file are created first (as RCTab creates
    its output folder); when the run fails, the folders it created are removed
    again, so a failed run leaves nothing behind.
    """
    temps: list[Path] = []
    made: list[Path] = []
    current = files[0][0] if files else Path("output")
    try:
        for target, text in files:
            current = target
            folder = target.parent if str(target.parent) else Path(".")
            missing = []
            parent = folder
            while not parent.exists() and parent != parent.parent:
                missing.append(parent)
                parent = parent.parent
            for new_folder in reversed(missing):
                current = new_folder
                new_folder.mkdir()
                made.append(new_folder)
            current = target
            fd, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
            temps.append(Path(name))
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
        for temp, (target, _) in zip(temps, files, strict=True):
            current = target
            os.replace(temp, target)
    except OSError as exc:
        for temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink()
        for new_folder in reversed(made):
            with contextlib.suppress(OSError):
                new_folder.rmdir()
        problem = f"cannot write: {exc.strerror or exc}"
        raise InputProblem(BallotFileError(current, None, problem).describe()) from None


def _emit(docs: list[str], output: Path | None) -> None:
    if output is not None:
        write_atomically(list(zip(_targets(output, len(docs)), docs, strict=True)))
        return
    stream = sys.stdout
    data = "\n".join(docs)
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data.encode("utf-8"))
        buffer.flush()
    else:
        stream.write(data)


def _show(
    result: CountResult,
    fmt: OutputFormat,
    contest_output: Mapping[str, object],
    output: Path | None,
) -> None:
    """Render and write (or print) the result; the text sheet is in colour on a terminal."""
    if fmt is OutputFormat.text and output is None and sys.stdout.isatty():
        from rich.console import Console

        from selectorate.reports.text import print_text

        print_text(result, Console(highlight=False, emoji=False, markup=False))
        return
    _emit(_render(result, fmt, contest_output, _text_width(output)), output)


def _text_width(output: Path | None) -> int:
    if output is None and sys.stdout.isatty():
        return max(60, min(160, os.get_terminal_size(sys.stdout.fileno()).columns))
    return _TEXT_WIDTH


# --------------------------------------------------------------------------- commands


@app.command()
def count(
    ballots: Path | None = typer.Argument(
        None,
        metavar="BALLOTS",
        help=(
            "The ballot file. Its format follows the extension: .blt (OpenSTV/ERS), "
            ".csv, .soi/.soc/.toi/.toc (PrefLib), or an RCTab contest config .json."
        ),
        show_default=False,
    ),
    method: str | None = typer.Option(
        None,
        "--method",
        "-m",
        metavar="NAME",
        help="The counting rule, e.g. irv. Run 'selectorate methods' for the list.",
        show_default=False,
    ),
    seats: int | None = typer.Option(
        None,
        "--seats",
        min=0,
        metavar="N",
        help="How many seats to fill. Default: what the ballot file says, else 1.",
        show_default=False,
    ),
    seed: str | None = typer.Option(
        None,
        "--seed",
        metavar="S",
        help=(
            "Seed for a random tie-break, so that anyone can repeat the same draw. "
            "Only for rules that break ties at random. For STV rules it decides ties "
            "the law leaves to lot; publish it before the count (a number or a phrase)."
        ),
        show_default=False,
    ),
    ron: str | None = typer.Option(
        None,
        "--ron",
        metavar="NAME",
        help=(
            "STV: the candidate standing for RON (re-open nominations). RON is counted "
            "like any candidate; a seat it wins is left unfilled."
        ),
        show_default=False,
    ),
    minimum: list[str] = typer.Option(
        [],
        "--minimum",
        metavar="GROUP=N:NAME,NAME,...",
        help=(
            "STV: at least N seats must go to the named candidates, e.g. "
            "--minimum \"women=2:Ann,Beth,Cara\". Once the others have won all the seats "
            "they may, the rest of them are excluded. Repeatable."
        ),
        show_default=False,
    ),
    withdraw: list[str] = typer.Option(
        [],
        "--withdraw",
        metavar="STAGE:NAME",
        help=(
            "STV: a candidate who withdrew during the count, e.g. --withdraw \"3:Ann Smith\": "
            "excluded at the start of stage 3, papers transferred as in an exclusion. "
            "Repeatable. (Withdrawn before the count: use the ballot file.)"
        ),
        show_default=False,
    ),
    fmt: OutputFormat = typer.Option(
        OutputFormat.text,
        "--format",
        "-f",
        help=(
            "text: the result sheet; json: selectorate's exact JSON; csv: RCTab's "
            "round-by-round spreadsheet; html: a web page with a chart; rctab-json: "
            "RCTab's JSON report."
        ),
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        help=(
            "Save to this file instead of printing. The file appears only when the "
            "count succeeded. RCTab formats of a multi-pass count write NAME_1, NAME_2, …"
        ),
        show_default=False,
    ),
    option: list[str] = typer.Option(
        [],
        "--option",
        "-O",
        metavar="KEY=VALUE",
        help=(
            "A rule setting KEY=VALUE, repeatable, e.g. --option tiebreak_mode=random. "
            "Numbers are exact: 0.15 means fifteen hundredths."
        ),
        show_default=False,
    ),
    rctab_config: Path | None = typer.Option(
        None,
        "--rctab-config",
        metavar="CONFIG.json",
        help=(
            "Count an RCTab contest config (.json): its rules, candidates and cast vote "
            "record files, as RCTab would."
        ),
        show_default=False,
    ),
    section: list[str] = typer.Option(
        [],
        "--section",
        metavar="NAME=SHARE:FILE",
        help=(
            "For --method electoral-college: one section of the college, repeatable, e.g. "
            "--section MPs=1/3:mps.blt. Shares are exact fractions and must add up to 1; "
            "every file lists the same candidates."
        ),
        show_default=False,
    ),
    slices: bool | None = typer.Option(
        None,
        "--slices/--no-slices",
        help=(
            "With an RCTab config, --output and --format csv or rctab-json: also write "
            "RCTab's per-precinct and per-batch reports, in 'Tabulate by Precinct' and "
            "'Tabulate by Batch' folders next to the output. Default: what the config's "
            "outputSettings (tabulateByPrecinct, tabulateByBatch) ask for."
        ),
        show_default=False,
    ),
) -> None:
    """Count the ballots and print (or save) the result."""
    if ballots is not None and rctab_config is not None:
        raise UsageProblem("give either a ballot file or --rctab-config, not both")
    if section:
        if method != "electoral-college":
            raise UsageProblem("--section is for --method electoral-college")
        if ballots is not None or rctab_config is not None:
            raise UsageProblem("with --section, give the ballots in the sections, not as BALLOTS")
        _count_college(section, fmt, output, parse_options(option))
        return
    if ballots is None and rctab_config is None:
        raise UsageProblem("give a ballot file to count (or --rctab-config CONFIG.json)")
    extra = parse_options(option)
    rctab_output: Mapping[str, object] | None = None  # the config's outputSettings
    if rctab_config is None and ballots is not None and ballots.suffix.lower() == ".json":
        from selectorate.formats.detect import detect_format

        if ballots.is_file() and detect_format(ballots) == "rctab":
            rctab_config, ballots = ballots, None

    if rctab_config is not None:
        from selectorate.formats.rctab import load_contest

        _check_readable(rctab_config)
        with _progress("Reading", rctab_config):
            try:
                contest = load_contest(rctab_config)
            except NotImplementedError as exc:
                raise InputProblem(f"{rctab_config}: not supported yet: {exc}") from None
        name = method or contest.method
        if method is not None:
            _method(name)
        options = dict(contest.options)
        election = contest.election
        contest_output: Mapping[str, object] = contest.output
        rctab_output = contest.output
    else:
        if method is None:
            raise UsageProblem("--method is required (run 'selectorate methods' to see them)")
        name = method
        _method(name)
        assert ballots is not None
        election = _read_election(ballots)
        options = {}
        contest_output = _contest_output(election, ballots)
    accepts = _accepted_options(name)
    if seats is not None:
        election.seats = seats
        if accepts is None or "seats" in accepts:
            options["seats"] = seats
    options.update(extra)
    if seed is not None:
        key, value = _seed_option(name, seed)
        options[key] = value
    options.update(_rulebook_options(name, election, ron, minimum, withdraw))
    if "seats" not in options and (accepts is None or "seats" in accepts):
        options["seats"] = election.seats
    kinds = _slice_kinds(slices, rctab_output, name, election, fmt, output)
    if kinds:
        assert output is not None and rctab_config is not None
        _count_with_slices(
            name, election, options, kinds, fmt, contest_output, output, rctab_config
        )
        return
    result = _count(name, election, options)
    _show(result, fmt, contest_output, output)


def _named_options(name: str) -> set[str]:
    """The keyword options ``name``'s function names explicitly (not ``**options``)."""
    import inspect

    try:
        params = inspect.signature(_method(name).function).parameters
    except (TypeError, ValueError):
        return set()
    return {n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}


def _seed_option(name: str, seed: str) -> tuple[str, object]:
    """``--seed`` as the method takes it: STV rules take ``seed`` (a number or a phrase,
    for ties by lot); RCTab rules take ``random_seed`` (a whole number)."""
    named = _named_options(name)
    text = seed.strip()
    number: int | None
    try:
        number = int(text)
    except ValueError:
        number = None
    if "seed" in named:
        return "seed", text if number is None else number
    accepts = _accepted_options(name)
    if accepts is not None and "random_seed" not in accepts:
        raise UsageProblem(f"method {name!r} does not break ties at random, so --seed has no use")
    if number is None:
        raise UsageProblem(f"--seed {seed!r}: method {name!r} needs a whole number")
    return "random_seed", number


def parse_minimum(text: str) -> tuple[str, int, list[str]]:
    """Split ``--minimum GROUP=N:NAME,NAME,...`` into (group, N, names)."""
    group, eq, rest = text.partition("=")
    count, colon, members = rest.partition(":")
    names = [n.strip() for n in members.split(",") if n.strip()]
    if not (eq and colon and group.strip() and names):
        raise UsageProblem(
            f"--minimum {text!r}: expected GROUP=N:NAME,NAME,..., e.g. women=2:Ann,Beth,Cara"
        )
    try:
        minimum = int(count.strip())
    except ValueError:
        minimum = -1
    if minimum < 1:
        raise UsageProblem(f"--minimum {text!r}: {count.strip()!r} is not a number of seats")
    return group.strip(), minimum, names


def parse_withdrawal(text: str) -> tuple[int, str]:
    """Split ``--withdraw STAGE:NAME`` into (stage, name)."""
    stage_text, colon, who = text.partition(":")
    try:
        stage = int(stage_text.strip())
    except ValueError:
        stage = 0
    if not colon or not who.strip() or stage < 1:
        raise UsageProblem(f"--withdraw {text!r}: expected STAGE:NAME, e.g. 3:Ann Smith")
    return stage, who.strip()


def _rulebook_options(
    name: str, election: Election, ron: str | None, minimum: Sequence[str], withdraw: Sequence[str]
) -> dict[str, object]:
    """``--ron``, ``--minimum`` and ``--withdraw`` as STV keyword options."""
    given = [(flag, v) for flag, v in (("--ron", ron), ("--minimum", minimum),
                                       ("--withdraw", withdraw)) if v]  # fmt: skip
    if not given:
        return {}
    named = _named_options(name)
    for flag, _ in given:
        key = {"--ron": "ron", "--minimum": "minimums", "--withdraw": "withdrawals"}[flag]
        if key not in named:
            raise UsageProblem(f"{flag} is for STV rules; method {name!r} does not take it")
    known = set(election.names)

    def check(flag: str, text: str, names: Sequence[str]) -> None:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise UsageProblem(f"{flag} {text!r}: no candidate called {', '.join(unknown)}")

    options: dict[str, object] = {}
    if ron is not None:
        check("--ron", ron, [ron])
        options["ron"] = ron
    if minimum:
        from selectorate.counting.stv_rules import GroupMinimum

        groups = []
        for text in minimum:
            group, count, names = parse_minimum(text)
            check("--minimum", text, names)
            groups.append(GroupMinimum(group, frozenset(names), count))
        options["minimums"] = tuple(groups)
    if withdraw:
        stages: dict[int, list[str]] = {}
        for text in withdraw:
            stage, who = parse_withdrawal(text)
            check("--withdraw", text, [who])
            stages.setdefault(stage, []).append(who)
        options["withdrawals"] = {k: tuple(v) for k, v in sorted(stages.items())}
    return options


def parse_section(text: str) -> tuple[str, Fraction, Path]:
    """Split a ``--section NAME=SHARE:FILE`` value into its exact parts."""
    name, eq, rest = text.partition("=")
    share_text, colon, file = rest.partition(":")
    if not (eq and colon and name.strip() and file.strip()):
        raise UsageProblem(f"--section {text!r}: expected NAME=SHARE:FILE, e.g. MPs=1/3:mps.blt")
    try:
        share = Fraction(share_text.strip())
    except (ValueError, ZeroDivisionError):
        raise UsageProblem(
            f"--section {text!r}: the share {share_text!r} is not an exact number such as 1/3"
        ) from None
    return name.strip(), share, Path(file.strip())


def _count_college(
    sections: Sequence[str], fmt: OutputFormat, output: Path | None, options: dict[str, object]
) -> None:
    """Count an electoral college whose sections come from ``--section`` values."""
    parsed = []
    for text in sections:
        name, share, path = parse_section(text)
        parsed.append((name, share, _read_election(path)))
    first = parsed[0][2]
    election = Election(
        candidates=first.candidates,
        seats=1,
        title=first.title,
        metadata={"sections": ", ".join(name for name, _, _ in parsed)},
    )
    result = _count("electoral-college", election, {**options, "sections": parsed})
    _show(result, fmt, _contest_output(election, None), output)


def _slice_kinds(
    wanted: bool | None,
    rctab_output: Mapping[str, object] | None,
    method: str,
    election: Election,
    fmt: OutputFormat,
    output: Path | None,
) -> list[str]:
    """The slice reports to write (``--slices``; by default as the RCTab config says)."""
    from selectorate.counting.slices import SLICE_FLAGS, SLICE_KINDS
    from selectorate.reports.rctab_csv import RCTAB_METHODS

    if wanted is False:
        return []
    if rctab_output is None:
        if wanted:
            raise UsageProblem("--slices needs an RCTab contest config (--rctab-config)")
        return []
    kinds = [k for k in SLICE_KINDS if rctab_output.get(SLICE_FLAGS[k]) is True]
    rctab_format = fmt in (OutputFormat.csv, OutputFormat.rctab_json)
    if wanted is None:
        usable = output is not None and rctab_format and method in RCTAB_METHODS
        return kinds if usable else []
    if output is None:
        raise UsageProblem("--slices writes one file per precinct or batch: give --output")
    if not rctab_format:
        raise UsageProblem("slice reports are RCTab reports: use --format csv or rctab-json")
    if not kinds:
        kinds = [k for k in SLICE_KINDS if any(getattr(b, k) for b in election.ballots)]
    if not kinds:
        raise InputProblem("--slices: no cast vote record names a precinct or a batch")
    return kinds


def _count_with_slices(
    name: str,
    election: Election,
    options: dict[str, object],
    kinds: list[str],
    fmt: OutputFormat,
    contest_output: Mapping[str, object],
    output: Path,
    config_path: Path,
) -> None:
    """Count, then write the report and every slice report together, atomically."""
    from selectorate.counting.slices import SliceError, count_with_slices
    from selectorate.reports import rctab_slices

    _method(name)
    try:
        sliced = count_with_slices(name, election, options, kinds)
    except SliceError as exc:
        raise InputProblem(BallotFileError(config_path, None, str(exc)).describe()) from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, BallotFileError):
            raise
        raise UsageProblem(f"method {name!r}: {exc}") from None
    result = sliced.result
    docs = _render(result, fmt, contest_output, _TEXT_WIDTH)
    files = list(zip(_targets(output, len(docs)), docs, strict=True))
    for kind, by_id in sliced.slices.items():
        folder = output.parent / rctab_slices.SLICE_FOLDERS[kind]
        names = rctab_slices.slice_file_names(kind, list(by_id))
        for sid, one in by_id.items():
            if fmt is OutputFormat.csv:
                texts = rctab_slices.render_slice_csv(one, result, contest_output, kind, sid)
            else:
                texts = rctab_slices.render_slice_json(one, contest_output, kind, sid)
            stem = rctab_slices.slice_file_stem(output.stem, names[sid])
            target = folder / f"{stem}{output.suffix}"
            files += zip(_targets(target, len(texts)), texts, strict=True)
    made: list[Path] = []
    try:
        for kind in sliced.slices:
            folder = output.parent / rctab_slices.SLICE_FOLDERS[kind]
            if not folder.is_dir():
                try:
                    folder.mkdir()
                except OSError as exc:
                    problem = f"cannot write: {exc.strerror or exc}"
                    raise InputProblem(BallotFileError(folder, None, problem).describe()) from None
                made.append(folder)
        write_atomically(files)
    except InputProblem:
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _accepted_options(name: str) -> set[str] | None:
    """The keyword options a method names, or ``None`` when it takes ``**options``."""
    import inspect

    try:
        params = inspect.signature(_method(name).function).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return {n for n, p in params.items() if p.kind is not inspect.Parameter.POSITIONAL_ONLY}


@app.command("verify")
def verify_command(
    result_file: Path = typer.Argument(
        ...,
        metavar="RESULT.json",
        help="A result saved by 'selectorate count --format json'.",
        show_default=False,
    ),
    ballots: Path = typer.Argument(
        ...,
        metavar="BALLOTS",
        help="The ballot file that was counted (any format 'count' reads, or the RCTab config).",
        show_default=False,
    ),
    method: str | None = typer.Option(
        None,
        "--method",
        "-m",
        metavar="NAME",
        help="Recount by this rule instead of the one the result names.",
        show_default=False,
    ),
) -> None:
    """Check a saved result against the ballots, for a candidate, agent or scrutineer.

    Two checks: every stage of the result is checked against the ballots (first
    preferences, votes conserved, transfers adding up, nobody elected twice, no
    excluded candidate coming back, quota), and the ballots are counted again by
    the rule and options the result records. Prints "verified" (exit status 0)
    when both agree with the file, else one line per problem (exit status 1).
    """
    from selectorate.counting.verify import recount_options, verify
    from selectorate.reports.native_json import load_result_json

    _check_readable(result_file)
    saved = load_result_json(result_file)
    if saved.method == "electoral-college":
        raise UsageProblem("an electoral college is verified section by section, not from BALLOTS")
    election = _verify_election(ballots)
    election.seats = saved.seats
    name = method or saved.method
    _method(name)
    lines = [p.describe() for p in verify(saved, election)]
    options = _recount_kwargs(name, recount_options(saved.options))
    accepts = _accepted_options(name)
    if "seats" not in options and (accepts is None or "seats" in accepts):
        options["seats"] = saved.seats
    try:
        recount = _count(name, election, options)
    except UsageProblem as exc:
        lines.append(f"recount: the ballots cannot be counted again: {exc}")
    else:
        lines += _recount_differences(saved, recount, compare_method=method is None)
    if lines:
        _emit(["\n".join(lines) + "\n"], None)
        raise SystemExit(1)
    stages = len(saved.rounds) or sum(len(p.rounds) for p in saved.passes)
    elected = ", ".join(saved.elected) or "nobody"
    _emit(
        [
            f"verified: {name}, {stages} stage{'' if stages == 1 else 's'}, elected {elected}; "
            "every check holds and a recount gives the identical result\n"
        ],
        None,
    )


def _recount_kwargs(name: str, options: dict[str, object]) -> dict[str, object]:
    """The recorded options the method ``name`` takes. RCTab-rule results record every
    rule setting; those left at RCTab's default are dropped (not every RCTab method
    takes every setting)."""
    from selectorate.counting.verify import RCTAB_METHODS

    accepts = _accepted_options(name)
    if accepts is not None:
        options = {k: v for k, v in options.items() if k in accepts}
    if name in RCTAB_METHODS:
        import dataclasses

        from selectorate.counting.rctab_engine import RctabOptions

        defaults = {f.name: f.default for f in dataclasses.fields(RctabOptions)}
        options = {k: v for k, v in options.items() if k not in defaults or v != defaults[k]}
    return options


def _verify_election(path: Path) -> Election:
    """The ballots behind a result: a ballot file, or an RCTab contest config."""
    if path.suffix.lower() == ".json" and path.is_file():
        from selectorate.formats.detect import detect_format

        if detect_format(path) == "rctab":
            from selectorate.formats.rctab import load_contest

            try:
                return load_contest(path).election
            except NotImplementedError as exc:
                raise InputProblem(f"{path}: not supported yet: {exc}") from None
    return _read_election(path)


#: At most this many differences between a result and its recount are listed.
_MAX_DIFFERENCES = 20


def _recount_differences(
    saved: CountResult, recount: CountResult, *, compare_method: bool
) -> list[str]:
    """One line per value in which the recount differs from the saved result."""
    from selectorate.reports.native_json import result_document

    ours, theirs = result_document(saved), result_document(recount)
    if not compare_method:  # another rule was asked for: its name and settings differ anyway
        for key in ("method", "options"):
            theirs[key] = ours[key]
    found: list[str] = []
    _walk_differences("", ours, theirs, found)
    lines = [f"recount differs at {path}: the result says {a}, the recount {b}" for path, a, b in
             found[:_MAX_DIFFERENCES]]  # fmt: skip
    if len(found) > _MAX_DIFFERENCES:
        lines.append(f"recount differs in {len(found) - _MAX_DIFFERENCES} more values")
    return lines


def _walk_differences(path: str, a: object, b: object, out: list[tuple[str, str, str]]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            where = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                shown = [_short(d[key]) if key in d else "nothing" for d in (a, b)]
                out.append((where, shown[0], shown[1]))
            else:
                _walk_differences(where, a[key], b[key], out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append((f"{path} (how many)", str(len(a)), str(len(b))))
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _walk_differences(f"{path}[{i}]", x, y, out)
    elif a != b:
        out.append((path, _short(a), _short(b)))


def _short(value: object) -> str:
    """A JSON value in at most 80 characters."""
    import json

    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


@app.command()
def methods() -> None:
    """List the counting rules, with a one-line summary of each."""
    from selectorate.counting import registry

    names = registry.names()
    width = max((len(n) for n in names), default=0)
    lines = []
    for n in names:
        m = registry.get(n)
        seats = "multi-seat" if m.multi_seat else "one seat"
        lines.append(f"{n.ljust(width)}  {m.summary} ({seats})")
    _emit(["\n".join(lines) + "\n"], None)


_WRITERS = {".blt": "BLT", ".csv": "CSV", ".json": "NIST CDF JSON"}


def _convert_text(election: Election, target: Path) -> str:
    suffix = target.suffix.lower()
    if suffix == ".blt":
        from selectorate.formats.blt import format_blt

        return format_blt(election, path=target)
    if suffix == ".csv":
        from selectorate.formats.csv_ballots import format_csv

        return format_csv(election, path=target)
    if suffix == ".json":
        try:
            from selectorate.formats import cdf_writer  # type: ignore[attr-defined]
        except ImportError:
            raise UsageProblem(
                "writing NIST CDF JSON is not available in this installation"
            ) from None
        for attr in ("format_cdf_json", "format_cdf", "to_cdf_json"):
            fn = getattr(cdf_writer, attr, None)
            if callable(fn):
                return fn(election)
        raise UsageProblem("writing NIST CDF JSON is not available in this installation")
    known = ", ".join(_WRITERS)
    raise UsageProblem(
        f"{target}: cannot write {suffix or 'files without an extension'} (known: {known})"
    )


@app.command()
def convert(
    source: Path = typer.Argument(..., help="The ballot file to read (any format 'count' reads)."),
    target: Path = typer.Argument(
        ...,
        help="The file to write; its extension picks the format: .blt, .csv or .json (NIST CDF).",
    ),
) -> None:
    """Convert a ballot file to another format (ballots are copied as cast)."""
    if target.suffix.lower() not in _WRITERS:
        _convert_text(Election(candidates=()), target)  # raises the usage error
    election = _read_election(source)
    write_atomically([(target, _convert_text(election, target))])


def demo_ballots_path() -> Path:
    """The bundled real election: the 2010 Labour leadership ballots of 266 MPs (BLT)."""
    from importlib import resources

    return Path(str(resources.files("selectorate") / "data" / "labour_2010_plp.blt"))


@app.command("demo-count")
def demo_count(
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="As for 'count'."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Save to this file instead of printing.", show_default=False
    ),
) -> None:
    """Count a real election: the ranked ballots of the 266 Labour MPs and MEPs in the
    2010 leadership election (their section only), by instant-runoff voting."""
    path = demo_ballots_path()
    election = _read_election(path)
    result = _count("irv", election, {})
    _show(result, fmt, _contest_output(election, path), output)


@app.command(hidden=True)
def version() -> None:
    """Print the version."""
    _emit([f"selectorate {__version__}\n"], None)


import selectorate.cli_party  # noqa: E402,F401  (registers "nominations", "trigger-ballot")
import selectorate.cli_procedures  # noqa: E402,F401  (registers "eligibility", "whatif")
import selectorate.cli_rules  # noqa: E402,F401  (registers "selectorate rules")
import selectorate.cli_web  # noqa: E402,F401  (registers "demo", "serve")
import selectorate.cli_whip  # noqa: E402,F401  (registers "selectorate whip")
